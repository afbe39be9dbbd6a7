// {{name}}: a confidential web app that msehome runs inside an Intel SGX enclave.
// It depends on nothing but Node.js itself, so what the enclave measures is exactly this code.
//
// Secrets reach the app as files once the code provider has verified the enclave:
//   SECRETS_PATH         JSON of the plain secrets (here: {"result_aes_key": "<hex AES key>"})
//   SEALED_SECRETS_PATH  JSON of the secrets sealed to the enclave (here: {"result_sk": "<Fernet key>"})
import { createCipheriv, createHmac, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";

/** Keep in step with `healthcheck_endpoint` in mse.toml. */
const HEALTHCHECK_ENDPOINT = "/health";

export const SECRETS_MESSAGE = "message using result_aes_key from SECRETS";
export const SEALED_SECRETS_MESSAGE = "message using result_sk from SEALED_SECRETS";

/** The request listener msehome serves (mse.toml: application = "app.mjs:app"). */
export function app(req, res) {
  handle(req, res).catch((error) => {
    // Never echo secrets: the client gets a generic answer, the log gets the reason.
    console.error(`${req.method} ${req.url} failed: ${error.message}`);
    if (!res.headersSent) send(res, 500, "text/plain; charset=utf-8", "internal error\n");
    else res.destroy();
  });
}

async function handle(req, res) {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET, HEAD");
    return send(res, 405, "text/plain; charset=utf-8", "method not allowed\n");
  }
  const { pathname } = new URL(req.url ?? "/", "http://app.invalid");
  switch (pathname) {
    case HEALTHCHECK_ENDPOINT:
      return send(res, 200, "text/plain; charset=utf-8", "OK");
    case "/":
      return send(res, 200, "text/plain; charset=utf-8", "Hello world");
    case "/result/secrets": {
      const secrets = await readSecretFile("SECRETS_PATH");
      if (!secrets) return notProvisioned(res, "SECRETS_PATH");
      const body = aesGcmEncrypt(secrets.result_aes_key, Buffer.from(SECRETS_MESSAGE));
      return send(res, 200, "application/octet-stream", body);
    }
    case "/result/sealed_secrets": {
      const secrets = await readSecretFile("SEALED_SECRETS_PATH");
      if (!secrets) return notProvisioned(res, "SEALED_SECRETS_PATH");
      return send(
        res,
        200,
        "text/plain; charset=utf-8",
        fernetEncrypt(secrets.result_sk, Buffer.from(SEALED_SECRETS_MESSAGE)),
      );
    }
    default:
      return send(res, 404, "text/plain; charset=utf-8", "not found\n");
  }
}

function send(res, status, contentType, body) {
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

function notProvisioned(res, variable) {
  return send(res, 503, "text/plain; charset=utf-8", `no secrets provisioned (${variable} is unset)\n`);
}

/** The JSON in the file an environment variable names, or undefined when the variable is unset. */
async function readSecretFile(variable) {
  const file = process.env[variable];
  if (!file) return undefined;
  return JSON.parse(await readFile(file, "utf8"));
}

/** AES-GCM: 12-byte nonce ‖ ciphertext ‖ 16-byte tag, what `msehome decrypt --aes` reads. */
function aesGcmEncrypt(keyHex, plaintext) {
  const key = Buffer.from(String(keyHex), "hex");
  if (![16, 24, 32].includes(key.length) || key.length * 2 !== String(keyHex).length) {
    throw new Error("result_aes_key must be 32, 48 or 64 hex digits");
  }
  const nonce = randomBytes(12);
  const cipher = createCipheriv(`aes-${key.length * 8}-gcm`, key, nonce);
  return Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** A Fernet token (https://github.com/fernet/spec), what `msehome decrypt --key` reads. */
function fernetEncrypt(keyBase64Url, plaintext) {
  const key = Buffer.from(String(keyBase64Url), "base64url");
  if (key.length !== 32) throw new Error("result_sk must be a Fernet key (url-safe base64 of 32 bytes)");
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-128-cbc", key.subarray(16), iv);
  const header = Buffer.alloc(9);
  header[0] = 0x80;
  header.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000)), 1);
  const signed = Buffer.concat([header, iv, cipher.update(plaintext), cipher.final()]);
  const hmac = createHmac("sha256", key.subarray(0, 16)).update(signed).digest();
  return Buffer.concat([signed, hmac]).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
}

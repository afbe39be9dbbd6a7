// Tests of {{name}}, run with `node --test` against a running app: locally (`msehome test-dev`)
// or inside the enclave (`msehome test`). Only Node.js built-ins, so nothing to install.
//
//   TEST_REMOTE_URL          where the app answers (default http://127.0.0.1:5000). With https, the
//                            app's self-signed RA-TLS certificate is accepted; `msehome verify` is what
//                            establishes trust in it. Set TEST_RATLS_CERT to a PEM file (ratls.pem)
//                            to also require that exact certificate.
//   TEST_SECRET_JSON         path to secrets.json; the /result/secrets test is skipped when unset.
//   TEST_SEALED_SECRET_JSON  path to secrets_to_seal.json; the /result/sealed_secrets test is skipped when unset.
import assert from "node:assert/strict";
import { X509Certificate, createDecipheriv, createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { test } from "node:test";

const HEALTHCHECK_ENDPOINT = "/health";
const SECRETS_MESSAGE = "message using result_aes_key from SECRETS";
const SEALED_SECRETS_MESSAGE = "message using result_sk from SEALED_SECRETS";

const baseUrl = new URL(process.env.TEST_REMOTE_URL || "http://127.0.0.1:5000");
const pinned = process.env.TEST_RATLS_CERT
  ? new X509Certificate(readFileSync(process.env.TEST_RATLS_CERT))
  : undefined;

/** GET a path of the app; resolves to { status, body } with the body as a Buffer. */
function get(pathname) {
  const url = new URL(baseUrl.pathname.replace(/\/$/, "") + pathname, baseUrl);
  const secure = url.protocol === "https:";
  const options = secure ? { agent: false, rejectUnauthorized: false } : { agent: false };
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).get(url, { ...options, timeout: 10_000 }, (response) => {
      if (secure && pinned) {
        const raw = response.socket.getPeerCertificate().raw;
        if (!raw || !pinned.raw.equals(raw)) {
          response.destroy();
          reject(new Error(`${url.host} did not present the certificate in ${process.env.TEST_RATLS_CERT}`));
          return;
        }
      }
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode, body: Buffer.concat(chunks) }));
      response.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new Error(`${url} did not answer within 10 s`)));
    request.on("error", reject);
  });
}

function readJson(variable) {
  return JSON.parse(readFileSync(process.env[variable], "utf8"));
}

/** Opens 12-byte nonce ‖ ciphertext ‖ 16-byte tag; throws unless the tag authenticates it. */
function aesGcmDecrypt(keyHex, data) {
  const key = Buffer.from(keyHex, "hex");
  assert.ok(data.length >= 28, `the result is only ${data.length} bytes`);
  const decipher = createDecipheriv(`aes-${key.length * 8}-gcm`, key, data.subarray(0, 12));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
}

/** Verifies a Fernet token's HMAC, then decrypts it. */
function fernetDecrypt(keyBase64Url, token) {
  const key = Buffer.from(keyBase64Url, "base64url");
  const data = Buffer.from(token.trim(), "base64url");
  assert.equal(data[0], 0x80, "not a Fernet token");
  const signed = data.subarray(0, data.length - 32);
  const expected = createHmac("sha256", key.subarray(0, 16)).update(signed).digest();
  assert.ok(timingSafeEqual(expected, data.subarray(data.length - 32)), "the Fernet HMAC does not match");
  const decipher = createDecipheriv("aes-128-cbc", key.subarray(16), signed.subarray(9, 25));
  return Buffer.concat([decipher.update(signed.subarray(25)), decipher.final()]);
}

test("GET / says Hello world", async () => {
  const { status, body } = await get("/");
  assert.equal(status, 200);
  assert.match(body.toString(), /Hello world/);
});

test(`GET ${HEALTHCHECK_ENDPOINT} answers 200`, async () => {
  const { status } = await get(HEALTHCHECK_ENDPOINT);
  assert.equal(status, 200);
});

test(
  "GET /result/secrets is encrypted under result_aes_key",
  { skip: !process.env.TEST_SECRET_JSON && "TEST_SECRET_JSON is unset" },
  async () => {
    const { status, body } = await get("/result/secrets");
    assert.equal(status, 200);
    const plaintext = aesGcmDecrypt(readJson("TEST_SECRET_JSON").result_aes_key, body);
    assert.equal(plaintext.toString(), SECRETS_MESSAGE);
  },
);

test(
  "GET /result/sealed_secrets is a Fernet token under result_sk",
  { skip: !process.env.TEST_SEALED_SECRET_JSON && "TEST_SEALED_SECRET_JSON is unset" },
  async () => {
    const { status, body } = await get("/result/sealed_secrets");
    assert.equal(status, 200);
    const plaintext = fernetDecrypt(readJson("TEST_SEALED_SECRET_JSON").result_sk, body.toString());
    assert.equal(plaintext.toString(), SEALED_SECRETS_MESSAGE);
  },
);

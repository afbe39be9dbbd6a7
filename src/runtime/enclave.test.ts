import https from "node:https";
import type { TLSSocket } from "node:tls";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { X509Certificate } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { encryptFileTo } from "../crypto/codeEncryption.js";
import { sealBox } from "../crypto/sealedBox.js";
import { type ConfigurationPayload, serializeConfigurationPayload } from "../model/configurationPayload.js";
import { parseLaunchArguments } from "../model/launchArguments.js";
import type { AttestationProvider } from "./attestationProvider.js";
import { emptyDirectory } from "./emptyDirectory.js";
import { startEnclave, type RunningEnclave } from "./enclave.js";
import { CONFIGURED_ENCLAVE_RECORD } from "./enclaveRecord.js";
import type { RuntimeLayout } from "./layout.js";
import { RATLS_QUOTE_OID } from "./raTlsCertificate.js";

const ID = "0a7d1f04-5a0e-4e8a-9c3e-2b1f6f1f7c11";

/** A platform double: a fixed sealing key, and a "quote" that is the report data itself. */
class EchoProvider implements AttestationProvider {
  readonly mode = "simulation" as const;
  readonly storageEncryptedByPlatform = false;
  quotes = 0;
  constructor(private readonly key = new Uint8Array(32).fill(3)) {}
  async measurement() {
    return new Uint8Array(32);
  }
  async sealingKey() {
    return this.key;
  }
  async quote(reportData: Uint8Array) {
    this.quotes += 1;
    return Uint8Array.from(reportData);
  }
}

const root = tempDirPerTest("enclave");
let layout: RuntimeLayout;
let running: RunningEnclave | undefined;

const APP = `
import { readFileSync } from "node:fs";
export const app = (req, res) => {
  if (req.url === "/secrets") {
    res.end(JSON.stringify({
      secrets: process.env.SECRETS_PATH ? readFileSync(process.env.SECRETS_PATH, "utf8") : null,
      sealed: process.env.SEALED_SECRETS_PATH ? readFileSync(process.env.SEALED_SECRETS_PATH, "utf8") : null,
    }));
    return;
  }
  res.end("healthy");
};`;

beforeEach(async () => {
  layout = {
    appTar: path.join(root(), "input/app.tar"),
    signerKey: path.join(root(), "signer.pem"),
    simulationPlatformDir: path.join(root(), "platform"),
    runtimeDir: path.join(root(), "runtime"),
    dependenciesDir: path.join(root(), "node_modules"),
    codeDir: path.join(root(), "code"),
    appDir: path.join(root(), "app"),
    storageDir: path.join(root(), "storage"),
    secretsDir: path.join(root(), "secrets"),
    enclaveDir: path.join(root(), "enclave"),
  };
  // The container's mount points exist before the runtime starts.
  for (const dir of [layout.codeDir, layout.appDir, layout.secretsDir, layout.storageDir]) {
    await mkdir(dir, { recursive: true });
  }
  await writeFile(path.join(layout.codeDir, "app.mjs"), APP);
});

afterEach(async () => {
  await running?.close();
  running = undefined;
});

function get(
  port: number,
  ca: string,
  urlPath: string,
  body?: string,
): Promise<{ status: number; text: string; headers: Record<string, unknown>; cert: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port,
        path: urlPath,
        method: body === undefined ? "GET" : "POST",
        ca,
        servername: "localhost",
        agent: false,
      },
      (res) => {
        const peer = (res.socket as TLSSocket).getPeerX509Certificate()?.toString() ?? "";
        let text = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers, cert: peer }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function args(extra: string[] = []) {
  const expiration = String(Math.floor(Date.now() / 1000) + 86_400);
  return parseLaunchArguments([
    "--size",
    "2048M",
    "--san",
    "localhost",
    "--id",
    ID,
    "--application",
    "app.mjs:app",
    "--expiration",
    expiration,
    "--simulation",
    ...extra,
  ]);
}

async function boot(provider: AttestationProvider): Promise<RunningEnclave> {
  running = await startEnclave({ args: args(), layout, provider, host: "127.0.0.1", port: 0, log: () => {} });
  return running;
}

/** Posts plain secrets to a waiting enclave and waits until the app serves. */
async function configure(
  enclave: RunningEnclave,
  secrets: ConfigurationPayload["appSecrets"],
): Promise<RunningEnclave> {
  const body = serializeConfigurationPayload({ uuid: ID, appSecrets: secrets });
  expect((await get(enclave.port, enclave.certificatePem, "/", body)).status).toBe(200);
  await enclave.appServing;
  return enclave;
}

async function secretsOf(enclave: RunningEnclave): Promise<string | null> {
  return JSON.parse((await get(enclave.port, enclave.certificatePem, "/secrets")).text).secrets;
}

function fingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

describe("enclave bootstrap", () => {
  it("binds the TLS key and the enclave key in the certificate's quote", async () => {
    const enclave = await boot(new EchoProvider());
    const certificate = new x509.X509Certificate(enclave.certificatePem);
    const reportData = new Uint8Array(certificate.getExtension(RATLS_QUOTE_OID)!.value);
    const point = new Uint8Array(certificate.publicKey.rawData).slice(-65);
    const { createHash } = await import("node:crypto");
    expect(reportData.subarray(0, 32)).toEqual(new Uint8Array(createHash("sha256").update(point).digest()));
    expect(reportData.length).toBe(64);
  });

  it("waits, takes the secrets, then serves the app with the same certificate on the same port", async () => {
    const enclave = await boot(new EchoProvider());
    const ca = enclave.certificatePem;
    const waiting = await get(enclave.port, ca, "/");
    expect(waiting.headers["mse-status"]).toBe("Waiting");
    const enclaveKey = new Uint8Array(
      new x509.X509Certificate(ca).getExtension(RATLS_QUOTE_OID)!.value,
    ).subarray(32);
    const sealed = sealBox(new TextEncoder().encode('{"result_sk":"k"}'), enclaveKey);
    const body = serializeConfigurationPayload({
      uuid: ID,
      appSecrets: { token: "s3cret" },
      appSealedSecrets: sealed,
    });
    expect((await get(enclave.port, ca, "/", body)).status).toBe(200);
    await enclave.appServing;
    const health = await get(enclave.port, ca, "/health");
    expect(health.text).toBe("healthy");
    expect(new X509Certificate(health.cert).fingerprint256).toBe(new X509Certificate(ca).fingerprint256);
    expect(JSON.parse((await get(enclave.port, ca, "/secrets")).text)).toEqual({
      secrets: '{"token":"s3cret"}',
      sealed: '{"result_sk":"k"}',
    });
    const stored = await readFile(path.join(layout.storageDir, CONFIGURED_ENCLAVE_RECORD));
    expect(stored.includes(Buffer.from("s3cret"))).toBe(false);
  });

  it("comes back after a restart serving the app with the same certificate, without asking again", async () => {
    const provider = new EchoProvider();
    const first = await configure(await boot(provider), ["again"]);
    await first.close();
    await emptyDirectory(layout.appDir);
    await emptyDirectory(layout.secretsDir);

    const second = await boot(provider);
    expect(second.restarted).toBe(true);
    expect(second.certificatePem).toBe(first.certificatePem);
    expect(provider.quotes).toBe(1);
    expect(await secretsOf(second)).toBe('["again"]');
  });

  it("keeps nothing until configured: a waiting enclave restarts with a fresh certificate", async () => {
    const provider = new EchoProvider();
    const first = await boot(provider);
    await first.close();
    expect(await readdir(layout.storageDir)).toEqual([]);
    const second = await boot(provider);
    expect(second.restarted).toBe(false);
    expect(fingerprint(second.certificatePem)).not.toBe(fingerprint(first.certificatePem));
    expect((await get(second.port, second.certificatePem, "/")).headers["mse-status"]).toBe("Waiting");
  });

  it("never waits for a second configuration behind a configured enclave's certificate once its record is deleted", async () => {
    const provider = new EchoProvider();
    const configured = await configure(await boot(provider), ["first"]);
    await configured.close();
    await rm(path.join(layout.storageDir, CONFIGURED_ENCLAVE_RECORD));

    const again = await boot(provider);
    expect(again.restarted).toBe(false);
    expect(fingerprint(again.certificatePem)).not.toBe(fingerprint(configured.certificatePem));
    // A client pinned to the configured enclave's certificate cannot reach the waiting server.
    await expect(get(again.port, configured.certificatePem, "/")).rejects.toThrow();
  });

  it("never pairs a certificate with another configuration when a record is rolled back", async () => {
    const provider = new EchoProvider();
    const record = path.join(layout.storageDir, CONFIGURED_ENCLAVE_RECORD);
    const first = await configure(await boot(provider), ["first"]);
    await first.close();
    const firstRecord = await readFile(record);

    await rm(record);
    const second = await configure(await boot(provider), ["second"]);
    await second.close();
    expect(fingerprint(second.certificatePem)).not.toBe(fingerprint(first.certificatePem));

    // Rolling the storage back gives the first enclave back, configured as it was: nothing waits.
    await writeFile(record, firstRecord);
    const rolledBack = await boot(provider);
    expect(rolledBack.restarted).toBe(true);
    expect(rolledBack.certificatePem).toBe(first.certificatePem);
    expect(await secretsOf(rolledBack)).toBe('["first"]');
    await rolledBack.close();

    const forward = await readFile(record);
    expect(forward).toEqual(firstRecord);
  });

  it("refuses storage written under another sealing key", async () => {
    const first = await configure(await boot(new EchoProvider()), ["x"]);
    await first.close();
    running = undefined;
    await expect(boot(new EchoProvider(new Uint8Array(32).fill(4)))).rejects.toThrow(
      /cannot be opened with this enclave's sealing key/,
    );
  });

  it("keeps the app, secrets and storage directories: they are mount points in the enclave", async () => {
    const watched = [layout.appDir, layout.secretsDir, layout.storageDir];
    const before = await Promise.all(watched.map((dir) => stat(dir)));
    const enclave = await configure(await boot(new EchoProvider()), ["kept"]);
    await enclave.close();
    const restarted = await boot(new EchoProvider());
    await restarted.appServing;
    const after = await Promise.all(watched.map((dir) => stat(dir)));
    expect(after.map((info) => info.ino)).toEqual(before.map((info) => info.ino));
  });

  it("runs encrypted code once the right key arrives, refusing a missing or wrong key first", async () => {
    const key = new Uint8Array(32).fill(9);
    await encryptFileTo(path.join(layout.codeDir, "app.mjs"), path.join(layout.codeDir, "app.mjs.enc"), key);
    await rm(path.join(layout.codeDir, "app.mjs"));
    const enclave = await boot(new EchoProvider());
    const ca = enclave.certificatePem;
    const missing = await get(enclave.port, ca, "/", serializeConfigurationPayload({ uuid: ID }));
    expect([missing.status, missing.text]).toEqual([
      400,
      "the code is encrypted and no code_secret_key was provided\n",
    ]);
    const wrong = await get(
      enclave.port,
      ca,
      "/",
      serializeConfigurationPayload({ uuid: ID, codeSecretKey: new Uint8Array(32) }),
    );
    expect([wrong.status, wrong.text]).toEqual([400, "code_secret_key does not decrypt the code\n"]);
    expect(
      (await get(enclave.port, ca, "/", serializeConfigurationPayload({ uuid: ID, codeSecretKey: key })))
        .status,
    ).toBe(200);
    await enclave.appServing;
    expect((await get(enclave.port, ca, "/health")).text).toBe("healthy");
    expect(await readFile(path.join(layout.codeDir, "app.mjs.enc"))).not.toContain("healthy");
  });

  it("takes the code key from inside the sealed secrets", async () => {
    const key = new Uint8Array(32).fill(8);
    await encryptFileTo(path.join(layout.codeDir, "app.mjs"), path.join(layout.codeDir, "app.mjs.enc"), key);
    await rm(path.join(layout.codeDir, "app.mjs"));
    const enclave = await boot(new EchoProvider());
    const enclaveKey = new Uint8Array(
      new x509.X509Certificate(enclave.certificatePem).getExtension(RATLS_QUOTE_OID)!.value,
    ).subarray(32);
    const sealed = sealBox(
      new TextEncoder().encode(JSON.stringify({ code_secret_key: Buffer.from(key).toString("hex") })),
      enclaveKey,
    );
    const reply = await get(
      enclave.port,
      enclave.certificatePem,
      "/",
      serializeConfigurationPayload({ uuid: ID, appSealedSecrets: sealed }),
    );
    expect(reply.status).toBe(200);
    await enclave.appServing;
  });

  it("answers 400 for sealed secrets it cannot open", async () => {
    const enclave = await boot(new EchoProvider());
    const sealed = sealBox(new Uint8Array([1, 2, 3]), new Uint8Array(32).fill(7));
    const reply = await get(
      enclave.port,
      enclave.certificatePem,
      "/",
      serializeConfigurationPayload({ uuid: ID, appSealedSecrets: sealed }),
    );
    expect(reply.status).toBe(400);
    expect(reply.text).toContain("cannot be opened with this enclave's key");
  });
});

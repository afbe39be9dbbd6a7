// The app container end to end, from the offline simulation base image and a scaffolded app:
// configuration server, RA-TLS quote verified against the simulated PCCS, secrets, the app over
// HTTPS with the same certificate, the dry-run measurement, restarts and encrypted code.
import { X509Certificate, createPublicKey, generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { mrsignerFromPublicKey } from "../../src/attestation/mrsigner.js";
import { PccsClient } from "../../src/attestation/pccs.js";
import { parseQuote } from "../../src/attestation/quote.js";
import {
  checkReportDataBinding,
  enclavePublicKeyFromReportData,
  extractQuoteFromCertificate,
  fetchPeerCertificate,
} from "../../src/attestation/ratls.js";
import { verifyQuote } from "../../src/attestation/verify.js";
import { aesGcmDecrypt } from "../../src/crypto/aesGcm.js";
import { sealFile } from "../../src/crypto/codeEncryption.js";
import { fernetDecrypt } from "../../src/crypto/fernet.js";
import { sealBox } from "../../src/crypto/sealedBox.js";
import { generateSecretBoxKey } from "../../src/crypto/secretBox.js";
import { type AppContainer, removeAppContainer, runAppDryRun } from "../../src/docker/appContainer.js";
import { restartContainer } from "../../src/docker/container.js";
import { serializeConfigurationPayload } from "../../src/model/configurationPayload.js";
import { tarDirectory } from "../../src/package/tarWriter.js";
import { scaffold } from "../../src/provider/scaffold.js";
import { initPlatform, type Platform } from "../../src/simulation/platform.js";
import { startPccsServer, type PccsServer } from "../../src/simulation/pccsServer.js";
import { SIMULATION_TRUST } from "../../src/simulation/pki.js";
import {
  httpsRequest,
  simulationLaunch,
  startSimulationApp,
  waitFor,
  type SimulationAppInputs,
  type StartedApp,
} from "../support/appContainer.js";
import { ensureBaseImage } from "../support/baseImage.js";
import { collectLogs, describeDocker, testEngine } from "../support/docker.js";

describeDocker("app container (simulation)", () => {
  let work: string;
  let inputs: SimulationAppInputs;
  let platform: Platform;
  let pccs: PccsServer;
  let secrets: { result_aes_key: string };
  let sealedSecrets: { result_sk: string };
  let mseSrc: string;
  const containers: AppContainer[] = [];
  const id = randomUUID();
  const expiration = Math.floor(Date.now() / 1000) + 7 * 86_400;
  const launch = simulationLaunch({ appId: id, expiration });

  let app: AppContainer;
  let port: number;
  let certificatePem: string;
  let dryRunMeasurement: string;

  /** An app.tar of the work directory, written by `write`. */
  async function appTarWith(name: string, write: (appTar: string) => Promise<unknown>): Promise<string> {
    const appTar = path.join(work, `${name}.tar`);
    await write(appTar);
    return appTar;
  }

  async function start(from: SimulationAppInputs): Promise<StartedApp> {
    const started = await startSimulationApp(testEngine(), from, launch);
    containers.push(started.app);
    return started;
  }

  /** `msehome-run --dry-run` once, as verify --package runs it. */
  function dryRun(from: SimulationAppInputs, launchArguments = launch) {
    return runAppDryRun(testEngine(), {
      image: from.image,
      launch: launchArguments,
      appTar: from.appTar,
    });
  }

  beforeAll(async () => {
    const image = await ensureBaseImage();
    work = await mkdtemp(path.join(tmpdir(), "msehome-e2e-runtime-"));
    const scaffolded = await scaffold("e2eapp", { parentDir: work });
    mseSrc = path.join(scaffolded.directory, "mse_src");
    secrets = JSON.parse(await readFile(path.join(scaffolded.directory, "secrets.json"), "utf8"));
    sealedSecrets = JSON.parse(
      await readFile(path.join(scaffolded.directory, "secrets_to_seal.json"), "utf8"),
    );
    const appTar = await appTarWith("app", (file) => tarDirectory(mseSrc, file));
    const signerKey = path.join(work, "enclave-key.pem");
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 3072, publicExponent: 3 });
    await writeFile(signerKey, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o644 });
    const platformDir = path.join(work, "platform");
    platform = await initPlatform(platformDir, { tcb: "up-to-date" });
    pccs = await startPccsServer({ host: "127.0.0.1", port: 0, platformDir, tls: true });
    inputs = { image, appTar, signerKey, platformDir };
  }, 240_000);

  afterAll(async () => {
    await Promise.all(
      containers.map((container) => removeAppContainer(testEngine(), container).catch(() => undefined)),
    );
    await pccs?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("prints the measurement on --dry-run", async () => {
    const run = await dryRun(inputs);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^Measurement:\n {4}[0-9a-f]{64}\n$/);
    dryRunMeasurement = run.stdout.trim().split(/\s+/)[1] as string;
  }, 60_000);

  it("answers GET with Mse-Status: Waiting and a certificate whose quote verifies and binds its key", async () => {
    ({ app, port } = await start(inputs));
    const waiting = await waitFor(port, (reply) => reply.headers["mse-status"] === "Waiting", {
      container: { engine: testEngine(), id: app.id },
    });
    expect(waiting.status).toBe(200);

    certificatePem = await fetchPeerCertificate("127.0.0.1", port);
    expect(new X509Certificate(certificatePem).subjectAltName).toBe("DNS:localhost");
    const quote = extractQuoteFromCertificate(certificatePem);
    const collateral = await new PccsClient({ baseUrl: pccs.url, insecureTls: true }).fetchCollateral({
      fmspc: Buffer.from(platform.fmspc).toString("hex"),
      ca: "platform",
    });
    const report = verifyQuote({ quote, collateral, ...SIMULATION_TRUST });
    expect(report.checks.filter((check) => !check.ok)).toEqual([]);
    expect(report.checksPassed).toBe(true);
    expect(report.tcb.status).toBe("UpToDate");
    expect(report.enclave?.debug).toBe(false);
    expect(checkReportDataBinding(certificatePem, quote).ok).toBe(true);

    const signerPublic = createPublicKey(await readFile(inputs.signerKey, "utf8")).export({
      type: "spki",
      format: "pem",
    }) as string;
    expect(report.enclave?.mrSigner).toBe(mrsignerFromPublicKey(signerPublic));
    expect(report.enclave?.mrEnclave).toBe(dryRunMeasurement);
  }, 90_000);

  it("refuses a wrong uuid, a malformed and an oversized payload, then accepts the right one", async () => {
    const post = (body: string | Buffer) => httpsRequest(port, { ca: certificatePem, method: "POST", body });
    expect((await post(JSON.stringify({ uuid: randomUUID() }))).status).toBe(401);
    expect((await post("{ not json")).status).toBe(400);
    expect((await post(JSON.stringify({ uuid: id, code_secret_key: "xyz" }))).status).toBe(400);
    expect((await post(JSON.stringify({ uuid: id, app_secrets: "x".repeat(2 * 1024 * 1024) }))).status).toBe(
      413,
    );

    const quote = parseQuote(extractQuoteFromCertificate(certificatePem));
    const enclaveKey = enclavePublicKeyFromReportData(quote.reportBody.reportData);
    const sealed = sealBox(new TextEncoder().encode(JSON.stringify(sealedSecrets)), enclaveKey);
    const accepted = await post(
      serializeConfigurationPayload({ uuid: id, appSecrets: secrets, appSealedSecrets: sealed }),
    );
    expect(accepted.status).toBe(200);

    const health = await waitFor(
      port,
      (reply) => reply.status === 200 && reply.headers["mse-status"] === undefined,
      {
        path: "/health",
        ca: certificatePem,
        container: { engine: testEngine(), id: app.id },
      },
    );
    expect(health.body.toString()).toBe("OK");
    expect(new X509Certificate(health.certificatePem).fingerprint256).toBe(
      new X509Certificate(certificatePem).fingerprint256,
    );
  }, 90_000);

  it("serves results encrypted under the provided and the sealed secrets", async () => {
    const sealedResult = await httpsRequest(port, { ca: certificatePem, path: "/result/sealed_secrets" });
    expect(sealedResult.status).toBe(200);
    expect(Buffer.from(fernetDecrypt(sealedSecrets.result_sk, sealedResult.body.toString())).toString()).toBe(
      "message using result_sk from SEALED_SECRETS",
    );
    const plainResult = await httpsRequest(port, { ca: certificatePem, path: "/result/secrets" });
    expect(
      Buffer.from(aesGcmDecrypt(Buffer.from(secrets.result_aes_key, "hex"), plainResult.body)).toString(),
    ).toBe("message using result_aes_key from SECRETS");
  }, 30_000);

  it("logs no secret", async () => {
    const logs = await collectLogs(app.id);
    const text = logs.stdout + logs.stderr;
    expect(text).toContain("SIMULATION MODE");
    expect(text).not.toContain(secrets.result_aes_key);
    expect(text).not.toContain(sealedSecrets.result_sk);
  });

  it("comes back after a restart serving the app with the same certificate, without asking again", async () => {
    await restartContainer(testEngine(), app.id, 5);
    const health = await waitFor(port, (reply) => reply.status === 200 && reply.body.toString() === "OK", {
      path: "/health",
      ca: certificatePem,
      container: { engine: testEngine(), id: app.id },
      timeoutMs: 60_000,
    });
    expect(health.certificatePem.replace(/\s/g, "")).toBe(certificatePem.replace(/\s/g, ""));
    const sealedResult = await httpsRequest(port, { ca: certificatePem, path: "/result/sealed_secrets" });
    expect(
      Buffer.from(fernetDecrypt(sealedSecrets.result_sk, sealedResult.body.toString())).toString(),
    ).toContain("SEALED_SECRETS");
  }, 90_000);

  it("changes the measurement with one byte of code or one launch argument", async () => {
    const byArgument = await dryRun(inputs, { ...launch, expiration: expiration + 1 });
    expect(byArgument.exitCode).toBe(0);
    expect(byArgument.stdout).not.toContain(dryRunMeasurement);

    const appFile = path.join(mseSrc, "app.mjs");
    const original = await readFile(appFile);
    await writeFile(appFile, Buffer.concat([original, Buffer.from(" ")]));
    let patched: string;
    try {
      patched = await appTarWith("patched", (file) => tarDirectory(mseSrc, file));
    } finally {
      await writeFile(appFile, original);
    }
    const byCode = await dryRun({ ...inputs, appTar: patched });
    expect(byCode.exitCode).toBe(0);
    expect(byCode.stdout).toMatch(/^Measurement:\n {4}[0-9a-f]{64}\n$/);
    expect(byCode.stdout).not.toContain(dryRunMeasurement);
  }, 90_000);

  it("runs --encrypt'ed code once its key arrives", async () => {
    const key = generateSecretBoxKey();
    const encryptedTar = await appTarWith("encrypted", (file) =>
      tarDirectory(mseSrc, file, {
        transform: async (file) => ({
          path: `${file.path}.enc`,
          mode: file.mode,
          content: await sealFile(file.absolutePath, key),
        }),
      }),
    );
    const encrypted = await start({ ...inputs, appTar: encryptedTar });
    const waiting = await waitFor(encrypted.port, (reply) => reply.headers["mse-status"] === "Waiting", {
      container: { engine: testEngine(), id: encrypted.app.id },
    });
    const ca = waiting.certificatePem;
    const post = (body: string) => httpsRequest(encrypted.port, { ca, method: "POST", body });
    expect((await post(serializeConfigurationPayload({ uuid: id }))).status).toBe(400);
    expect(
      (await post(serializeConfigurationPayload({ uuid: id, codeSecretKey: generateSecretBoxKey() }))).status,
    ).toBe(400);
    expect((await post(serializeConfigurationPayload({ uuid: id, codeSecretKey: key }))).status).toBe(200);
    const health = await waitFor(encrypted.port, (reply) => reply.body.toString() === "OK", {
      path: "/health",
      ca,
      container: { engine: testEngine(), id: encrypted.app.id },
    });
    expect(health.status).toBe(200);
  }, 90_000);
});

// The configuration server under abuse, in a real simulation app container over loopback: while it
// waits for secrets it faces 1 000 idle TLS connections, slowloris headers and bodies, oversized
// headers, 10 000 malformed or wrong-uuid POSTs and TLS garbage, all at once. Throughout, a GET
// answers within 1 s; afterwards the valid configuration is accepted and the app serves; the
// container's peak memory stays bounded and its logs hold neither secrets nor what was posted.
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseQuote } from "../../src/attestation/quote.js";
import { enclavePublicKeyFromReportData, extractQuoteFromCertificate } from "../../src/attestation/ratls.js";
import { sealBox } from "../../src/crypto/sealedBox.js";
import { type AppContainer, removeAppContainer } from "../../src/docker/appContainer.js";
import { serializeConfigurationPayload } from "../../src/model/configurationPayload.js";
import { tarDirectory } from "../../src/package/tarWriter.js";
import { scaffold } from "../../src/provider/scaffold.js";
import { CONFIGURATION_SERVER_LIMITS } from "../../src/runtime/configurationServerLimits.js";
import { initPlatform } from "../../src/simulation/platform.js";
import {
  oversizedHeaders,
  startAbuseProcess,
  type IdleSummary,
  type PostFlood,
  probeGetsContinuously,
  sendTlsGarbage,
  slowlorisBody,
  slowlorisHeaders,
  timedGet,
  type TlsGarbage,
} from "../support/abuseClient.js";
import { httpsRequest, simulationLaunch, startSimulationApp, waitFor } from "../support/appContainer.js";
import { ensureBaseImage } from "../support/baseImage.js";
import { sampleContainerMemory } from "../support/containerMemory.js";
import { collectLogs, describeDocker, testEngine } from "../support/docker.js";

const IDLE_CONNECTIONS = 1_000;
const BAD_POSTS = 10_000;
/** Bytes in every hostile body, searched for in the logs afterwards. */
const MARKER = `ABUSE-MARKER-${randomUUID()}`;
/** The container's memory must stay under this, abuse included. */
const MEMORY_CEILING_BYTES = 512 * 1024 * 1024;

describeDocker("configuration server under abuse (simulation container)", () => {
  let work: string;
  let app: AppContainer | undefined;
  const id = randomUUID();

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "msehome-e2e-abuse-"));
  });

  afterAll(async () => {
    if (app) await removeAppContainer(testEngine(), app).catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("keeps answering GETs within 1 s under abuse, then accepts the configuration and serves", async () => {
    const image = await ensureBaseImage();
    const scaffolded = await scaffold("abuseapp", { parentDir: work });
    const secrets = JSON.parse(await readFile(path.join(scaffolded.directory, "secrets.json"), "utf8")) as {
      result_aes_key: string;
    };
    const sealedSecrets = JSON.parse(
      await readFile(path.join(scaffolded.directory, "secrets_to_seal.json"), "utf8"),
    ) as { result_sk: string };
    const appTar = path.join(work, "app.tar");
    await tarDirectory(path.join(scaffolded.directory, "mse_src"), appTar);
    const signerKey = path.join(work, "enclave-key.pem");
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 3072, publicExponent: 3 });
    await writeFile(signerKey, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o644 });
    const platformDir = path.join(work, "platform");
    await initPlatform(platformDir, { tcb: "up-to-date" });
    const expiration = Math.floor(Date.now() / 1000) + 86_400;
    const started = await startSimulationApp(
      testEngine(),
      { image, appTar, signerKey, platformDir },
      simulationLaunch({ appId: id, expiration }),
    );
    app = started.app;
    const { port } = started;
    const waiting = await waitFor(port, (reply) => reply.headers["mse-status"] === "Waiting", {
      container: { engine: testEngine(), id: app.id },
    });
    const certificatePem = waiting.certificatePem;

    const memory = sampleContainerMemory(testEngine(), app.id);
    const probes = probeGetsContinuously(port, 200);
    const limits = CONFIGURATION_SERVER_LIMITS;
    const slack = 8_000;

    // Idle connections first, all held at once; the server reaps them after the header time-out.
    // The heavy clients run in processes of their own so that they do not delay the timed GETs.
    const idle = startAbuseProcess(["idle", port, IDLE_CONNECTIONS, limits.headersTimeoutMs + 20_000]);
    const { opened, heldAtOnce } = await idle.next<{ opened: number; heldAtOnce: number }>();
    const getWhileIdle = await timedGet(port, 1_000, certificatePem);
    expect(getWhileIdle.mseStatus).toBe("Waiting");
    const flood = startAbuseProcess(["flood", port, BAD_POSTS, 10, id, MARKER]);

    const garbageKinds: TlsGarbage[] = ["random bytes", "truncated handshake", "plain HTTP"];
    const [idleSummary, headerEnds, bodyEnds, oversizedEnds, garbageEnds, flooded] = await Promise.all([
      idle.next<IdleSummary>(),
      staggered(20, () => slowlorisHeaders(port, 1_000, limits.headersTimeoutMs + slack)),
      staggered(20, () => slowlorisBody(port, 100_000, 1_000, limits.requestTimeoutMs + slack)),
      staggered(20, () => oversizedHeaders(port, 64 * 1024)),
      staggered(30, (i) => sendTlsGarbage(port, garbageKinds[i % 3]!, limits.tlsHandshakeTimeoutMs + slack)),
      flood.next<PostFlood>(),
    ]);
    const { answered: gets, failed: getFailures } = await probes.stop();
    const peak = await memory.stop();

    expect(opened).toBe(IDLE_CONNECTIONS);
    expect(heldAtOnce).toBe(IDLE_CONNECTIONS);
    expect(idleSummary.closedByServer).toBe(IDLE_CONNECTIONS);
    expect(idleSummary.answered408).toBe(IDLE_CONNECTIONS);
    expect(headerEnds.every((end) => end.closedByServer && end.received.startsWith("HTTP/1.1 408"))).toBe(
      true,
    );
    expect(bodyEnds.every((end) => end.closedByServer && end.received.startsWith("HTTP/1.1 408"))).toBe(true);
    expect(oversizedEnds.every((end) => end.closedByServer && end.received.startsWith("HTTP/1.1 431"))).toBe(
      true,
    );
    expect(garbageEnds.filter((end) => !end.closedByServer)).toEqual([]);
    expect(flooded.failed).toBe(0);
    expect(Object.keys(flooded.statuses).sort()).toEqual(["400", "401"]);
    expect((flooded.statuses[400] ?? 0) + (flooded.statuses[401] ?? 0)).toBe(BAD_POSTS);
    expect(getFailures).toEqual([]);
    expect(gets.length).toBeGreaterThan(10);
    expect(gets.every((get) => get.status === 200 && get.mseStatus === "Waiting")).toBe(true);
    expect(peak.peakBytes).toBeGreaterThan(0);
    expect(peak.peakBytes).toBeLessThan(MEMORY_CEILING_BYTES);

    // Afterwards the code provider's configuration goes through and the app serves.
    const quote = parseQuote(extractQuoteFromCertificate(certificatePem));
    const sealed = sealBox(
      new TextEncoder().encode(JSON.stringify(sealedSecrets)),
      enclavePublicKeyFromReportData(quote.reportBody.reportData),
    );
    const accepted = await httpsRequest(port, {
      ca: certificatePem,
      method: "POST",
      body: serializeConfigurationPayload({ uuid: id, appSecrets: secrets, appSealedSecrets: sealed }),
    });
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

    const logs = await collectLogs(app.id);
    const text = logs.stdout + logs.stderr;
    expect(text).toContain("configuration accepted");
    expect(text).toContain("since the last report");
    expect(text).not.toContain(MARKER);
    expect(text).not.toContain(secrets.result_aes_key);
    expect(text).not.toContain(sealedSecrets.result_sk);
    expect(text.split("\n").length).toBeLessThan(200);

    const slowest = Math.max(...gets.map((get) => get.elapsedMs));
    console.info(
      `configuration server under abuse: ${heldAtOnce} idle TLS connections held at once; ` +
        `${BAD_POSTS} bad POSTs in ${flooded.elapsedMs} ms (${JSON.stringify(flooded.statuses)}); ` +
        `${gets.length} GETs, slowest ${slowest} ms; container memory peak ` +
        `${(peak.peakBytes / 1024 / 1024).toFixed(1)} MiB (${peak.source}; before the abuse ` +
        `${(peak.firstSampleBytes / 1024 / 1024).toFixed(1)} MiB, highest of ${peak.samples} samples ` +
        `${(peak.highestSampleBytes / 1024 / 1024).toFixed(1)} MiB); ${text.split("\n").length} log lines`,
    );
  }, 240_000);
});

/** Starts `count` abusive connections 100 ms apart (they then stay open together), and waits for all. */
function staggered<T>(count: number, start: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<T>((resolve, reject) => setTimeout(() => start(i).then(resolve, reject), i * 100)),
    ),
  );
}

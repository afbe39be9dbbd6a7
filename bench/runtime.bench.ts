// Figures of the app container in simulation: base image size, time from container start to the
// configuration server answering, and from the accepted POST to the app answering its healthcheck.
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseQuote } from "../src/attestation/quote.js";
import { enclavePublicKeyFromReportData, extractQuoteFromCertificate } from "../src/attestation/ratls.js";
import { sealBox } from "../src/crypto/sealedBox.js";
import { serializeConfigurationPayload } from "../src/model/configurationPayload.js";
import { tarDirectory } from "../src/package/tarWriter.js";
import { scaffold } from "../src/provider/scaffold.js";
import { initPlatform } from "../src/simulation/platform.js";
import { type AppContainer, removeAppContainer } from "../src/docker/appContainer.js";
import { DockerEngine } from "../src/docker/engine.js";
import { inspectImage } from "../src/docker/images.js";
import { httpsRequest, simulationLaunch, startSimulationApp, waitFor } from "../test/support/appContainer.js";
import { ensureBaseImage } from "../test/support/baseImage.js";

const RUNS = 5;

/** CPU time the container has used so far, in ms: less sensitive than wall time to a loaded machine. */
async function containerCpuMs(engine: DockerEngine, id: string): Promise<number> {
  const stats = (await engine.call("reading container stats", (api) =>
    api.getContainer(id).stats({ stream: false }),
  )) as { cpu_stats: { cpu_usage: { total_usage: number } } };
  return stats.cpu_stats.cpu_usage.total_usage / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const engine = DockerEngine.fromEnvironment();
try {
  await engine.ping(5_000);
} catch (error) {
  console.log(`runtime: skipped, no Docker engine (${(error as Error).message})`);
  process.exit(0);
}
const image = await ensureBaseImage();
const size = (await inspectImage(engine, image))?.sizeBytes ?? 0;
console.log(`base image ${image}: ${(size / 1e6).toFixed(1)} MB`);

const work = await mkdtemp(path.join(tmpdir(), "msehome-bench-runtime-"));
const containers: AppContainer[] = [];
try {
  const app = await scaffold("benchapp", { parentDir: work });
  const appTar = path.join(work, "app.tar");
  await tarDirectory(path.join(app.directory, "mse_src"), appTar);
  const sealedSecrets = await readFile(path.join(app.directory, "secrets_to_seal.json"));
  const secrets = JSON.parse(await readFile(path.join(app.directory, "secrets.json"), "utf8")) as unknown;
  const signerKey = path.join(work, "enclave-key.pem");
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 3072, publicExponent: 3 });
  await writeFile(signerKey, privateKey.export({ type: "pkcs8", format: "pem" }));
  const platformDir = path.join(work, "platform");
  await initPlatform(platformDir);
  const inputs = { image, appTar, signerKey, platformDir };

  const toWaiting: number[] = [];
  const cpuToWaiting: number[] = [];
  const toApp: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const id = randomUUID();
    const started = performance.now();
    const { app: container, port } = await startSimulationApp(
      engine,
      inputs,
      simulationLaunch({ appId: id, expiration: Math.floor(Date.now() / 1000) + 86_400 }),
    );
    containers.push(container);
    const waiting = await waitFor(port, (reply) => reply.headers["mse-status"] === "Waiting", {
      container: { engine, id: container.id },
    });
    toWaiting.push(performance.now() - started);
    cpuToWaiting.push(await containerCpuMs(engine, container.id));

    const ca = waiting.certificatePem;
    const enclaveKey = enclavePublicKeyFromReportData(
      parseQuote(extractQuoteFromCertificate(ca)).reportBody.reportData,
    );
    const body = serializeConfigurationPayload({
      uuid: id,
      appSecrets: secrets as never,
      appSealedSecrets: sealBox(sealedSecrets, enclaveKey),
    });
    const posted = performance.now();
    const accepted = await httpsRequest(port, { ca, method: "POST", body });
    if (accepted.status !== 200) throw new Error(`POST answered ${accepted.status}`);
    await waitFor(port, (reply) => reply.body.toString() === "OK", {
      path: "/health",
      ca,
      container: { engine, id: container.id },
    });
    toApp.push(performance.now() - posted);
    await removeAppContainer(engine, container);
  }
  console.log(
    `container start → configuration server ready: median ${median(toWaiting).toFixed(0)} ms over ${RUNS} (${toWaiting.map((t) => t.toFixed(0)).join(", ")})`,
  );
  console.log(
    `container CPU time until the configuration server is ready: median ${median(cpuToWaiting).toFixed(0)} ms (${cpuToWaiting.map((t) => t.toFixed(0)).join(", ")})`,
  );
  console.log(
    `POST accepted → app answers /health: median ${median(toApp).toFixed(0)} ms over ${RUNS} (${toApp.map((t) => t.toFixed(0)).join(", ")})`,
  );
} finally {
  await Promise.all(
    containers.map((container) => removeAppContainer(engine, container).catch(() => undefined)),
  );
  await rm(work, { recursive: true, force: true });
}

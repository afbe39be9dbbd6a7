// Memory benchmark: `msehome spawn` of a package whose image exceeds 1 GiB (extract, verify the
// digests, load the image, start the app, wait for it, collect the evidence) keeps the msehome
// process's peak RSS under 200 MiB: the image only ever streams through it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { removeContainer } from "../src/docker/container.js";
import { DockerEngine } from "../src/docker/engine.js";
import { inspectImage, removeImage } from "../src/docker/images.js";
import { SIMULATION_BASE_IMAGE } from "../src/model/baseImage.js";
import { appImageTag } from "../src/operator/appImage.js";
import { imageRepositoryFor } from "../src/provider/package.js";
import { startPccsServer } from "../src/simulation/pccsServer.js";
import { initPlatform } from "../src/simulation/platform.js";
import { scaffoldLargeApp } from "./support/largeApp.js";
import { CLI, MiB, runCliMeasured } from "./support/peakRss.js";

const LIMIT_MIB = 200;
const root = fileURLToPath(new URL("..", import.meta.url));

const engine = DockerEngine.fromEnvironment();
await engine.ping();
execFileSync("bash", ["scripts/build-base-image.sh"], { cwd: root, stdio: "inherit" });
const base = await inspectImage(engine, SIMULATION_BASE_IMAGE);
if (!base) throw new Error("the simulation base image is missing");

const work = mkdtempSync(path.join(tmpdir(), "msehome-bench-spawn-"));
const name = `bench-spawn-${process.pid}`;
const platformDir = path.join(work, "platform");
await initPlatform(platformDir);
const pccs = await startPccsServer({ host: "127.0.0.1", port: 0, platformDir, tls: true });
let imageId: string | undefined;
let failed = false;
try {
  const project = await scaffoldLargeApp(name, work);
  execFileSync(
    process.execPath,
    [
      CLI,
      "package",
      "--project",
      project.directory,
      "--output",
      path.join(work, "package"),
      "--base-image",
      base.id,
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  rmSync(project.payload);
  const packageDir = path.join(work, "package");
  const packagePath = path.join(
    packageDir,
    readdirSync(packageDir).find((entry) => entry.endsWith(".tar"))!,
  );
  // Spawn must load the image from the package, as on the operator's own machine.
  const built = await inspectImage(engine, `${imageRepositoryFor(name)}:latest`);
  imageId = built?.id;
  await removeImage(engine, `${imageRepositoryFor(name)}:latest`);

  const spawned = await runCliMeasured([
    "--json",
    "spawn",
    name,
    "--host",
    "localhost",
    "--port",
    String(20000 + (process.pid % 20000)),
    "--size",
    "2048",
    "--package",
    packagePath,
    "--output",
    path.join(work, "operator"),
    "--pccs",
    pccs.url,
    "--pccs-insecure-tls",
    "--simulation",
    "--platform",
    platformDir,
  ]);
  const result = JSON.parse(spawned.stdout) as { state: string };
  const image = await inspectImage(engine, appImageTag(name));
  const imageMiB = (image?.sizeBytes ?? 0) / MiB;
  console.log(
    `spawn: image ${imageMiB.toFixed(0)} MiB, ${result.state} after ${spawned.seconds.toFixed(1)} s, peak RSS ${spawned.peakMiB.toFixed(1)} MiB (limit ${LIMIT_MIB} MiB)`,
  );
  if (imageMiB < 1024) throw new Error("the benchmark image is smaller than 1 GiB");
  failed = spawned.peakMiB >= LIMIT_MIB;
} finally {
  await removeContainer(engine, name, { force: true, ignoreMissing: true });
  await removeImage(engine, appImageTag(name), { ignoreMissing: true }).catch(() => undefined);
  if (imageId)
    await removeImage(engine, imageId, { force: true, ignoreMissing: true }).catch(() => undefined);
  await pccs.close();
  rmSync(work, { recursive: true, force: true });
}
if (failed) {
  console.error(`FAIL: peak RSS reached ${LIMIT_MIB} MiB`);
  process.exitCode = 1;
}

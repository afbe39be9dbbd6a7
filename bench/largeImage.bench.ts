// Benchmark: a 1 GiB app image through msehome against Docker's own tools on the same engine, in
// alternation (each round runs both sides, the order swapped every round) so drift hits both:
//   package                         vs  docker build (cached) + docker save -o
//   spawn                           vs  docker load -i of the same image.tar, plus the seconds from
//                                       load done to "waiting for secrets" (the runtime getting ready)
//   verify --package (image present) vs  one plain read of the package + the measurement dry run
// and the peak RSS of each msehome command. Targets: package ≤ 1.1×, spawn ≤ 1.2× (load + ready),
// verify ≤ 1.0× (read + dry run) — printed as ratios of medians; RSS < 200 MiB fails the run.
import { execFileSync } from "node:child_process";
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { appContainerOf, removeAppContainer } from "../src/docker/appContainer.js";
import { findContainer } from "../src/docker/container.js";
import { DockerEngine } from "../src/docker/engine.js";
import { inspectImage, removeImage } from "../src/docker/images.js";
import { SIMULATION_BASE_IMAGE } from "../src/model/baseImage.js";
import { appImageTag } from "../src/operator/appImage.js";
import { imageRepositoryFor } from "../src/provider/package.js";
import { startPccsServer } from "../src/simulation/pccsServer.js";
import { initPlatform } from "../src/simulation/platform.js";
import { scaffoldLargeApp } from "./support/largeApp.js";
import { MiB, runCliMeasured } from "./support/peakRss.js";

const LIMIT_MIB = 200;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const root = fileURLToPath(new URL("..", import.meta.url));

const engine = DockerEngine.fromEnvironment();
await engine.ping();
execFileSync("bash", ["scripts/build-base-image.sh"], { cwd: root, stdio: "inherit" });
const base = await inspectImage(engine, SIMULATION_BASE_IMAGE);
if (!base) throw new Error("the simulation base image is missing");

/** Seconds a command of Docker's own CLI takes (the reference tool). */
function timedDocker(args: string[]): number {
  const started = process.hrtime.bigint();
  execFileSync("docker", args, { stdio: ["ignore", "ignore", "inherit"] });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Seconds one plain sequential read of a file takes (what `cat file > /dev/null` does). */
async function timedRead(file: string): Promise<number> {
  const started = process.hrtime.bigint();
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) void chunk;
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const work = mkdtempSync(path.join(tmpdir(), "msehome-bench-large-"));
const name = `bench-large-${process.pid}`;
const reference = `msehome-bench/large-${process.pid}:reference`;
const platformDir = path.join(work, "platform");
await initPlatform(platformDir);
const pccs = await startPccsServer({ host: "127.0.0.1", port: 0, platformDir, tls: true });
const figures = {
  package: [] as number[],
  buildSave: [] as number[],
  spawn: [] as number[],
  spawnLoad: [] as number[],
  load: [] as number[],
  ready: [] as number[],
  verify: [] as number[],
  verifyRead: [] as number[],
  read: [] as number[],
  dryRun: [] as number[],
};
const rss = { package: 0, spawn: 0, verify: 0 };
let imageId: string | undefined;
let failed = false;

async function removeApp(appName: string): Promise<void> {
  const app = await findContainer(engine, appName);
  if (app) await removeAppContainer(engine, appContainerOf(app));
  await removeImage(engine, appImageTag(appName), { ignoreMissing: true }).catch(() => undefined);
}

/** The engine without the app image, as on an operator's machine before spawn. */
async function dropImage(): Promise<void> {
  for (const tag of [`${imageRepositoryFor(name)}:latest`, reference]) {
    await removeImage(engine, tag, { ignoreMissing: true }).catch(() => undefined);
  }
  if (imageId)
    await removeImage(engine, imageId, { force: true, ignoreMissing: true }).catch(() => undefined);
}

try {
  const project = await scaffoldLargeApp(name, work);
  const buildArgs = ["--build-arg", `MSEHOME_BASE=${base.id}`];
  // The first build fills the cache both sides then use.
  execFileSync("docker", ["build", "-q", ...buildArgs, "-t", reference, project.directory], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const packageArgs = (output: string) => [
    "package",
    "--project",
    project.directory,
    "--output",
    output,
    "--base-image",
    base.id,
  ];
  const imageTar = path.join(work, "image.tar");

  // 1. package vs docker build (cached) + docker save -o. The built image stays meanwhile: a
  //    loaded image has no build history, so both builds are cached only before any load.
  let packagePath = "";
  for (let round = 0; round < ROUNDS; round++) {
    const oursFirst = round % 2 === 0;
    console.log(`-- package, round ${round + 1}/${ROUNDS} (${oursFirst ? "msehome" : "docker"} first)`);
    const output = path.join(work, `package-${round}`);
    const saved = path.join(work, `saved-${round}.tar`);
    const runPackage = async () => {
      const run = await runCliMeasured(packageArgs(output));
      figures.package.push(run.seconds);
      rss.package = Math.max(rss.package, run.peakMiB);
    };
    const runBuildSave = () => {
      figures.buildSave.push(
        timedDocker(["build", "-q", ...buildArgs, "-t", reference, project.directory]) +
          timedDocker(["save", "-o", saved, reference]),
      );
    };
    if (oursFirst) {
      await runPackage();
      runBuildSave();
    } else {
      runBuildSave();
      await runPackage();
    }
    rmSync(saved, { force: true });
    if (packagePath) rmSync(path.dirname(packagePath), { recursive: true, force: true });
    packagePath = path.join(
      output,
      readdirSync(output).find((entry) => entry.endsWith(".tar"))!,
    );
  }
  imageId = (await inspectImage(engine, `${imageRepositoryFor(name)}:latest`))?.id;
  execFileSync("tar", ["-xf", packagePath, "-C", work, "image.tar"]);

  // 2. spawn vs docker load -i of the same image.tar, the engine lacking the image before each;
  //    with the spawned app's image present, verify --package vs one read + the dry run.
  for (let round = 0; round < ROUNDS; round++) {
    const oursFirst = round % 2 === 0;
    console.log(
      `-- spawn and verify, round ${round + 1}/${ROUNDS} (${oursFirst ? "msehome" : "docker"} first)`,
    );
    const appName = `${name}-${round}`;
    const operatorDir = path.join(work, `operator-${round}`);
    const runSpawn = async () => {
      await dropImage();
      const marks: Record<string, number> = {};
      const run = await runCliMeasured(
        [
          "spawn",
          appName,
          "--host",
          "localhost",
          "--port",
          String(20000 + ((process.pid + round) % 20000)),
          "--size",
          "2048",
          "--package",
          packagePath,
          "--output",
          operatorDir,
          "--pccs",
          pccs.url,
          "--pccs-insecure-tls",
          "--simulation",
          "--platform",
          platformDir,
        ],
        {
          onStderrLine: (line, seconds) => {
            if (line.startsWith("Loading the image")) marks.loading = seconds;
            else if (marks.loading !== undefined && marks.loaded === undefined) marks.loaded = seconds;
            if (line.startsWith("Collecting the evidence")) marks.waiting = seconds;
          },
        },
      );
      if (marks.loading === undefined || marks.loaded === undefined || marks.waiting === undefined) {
        throw new Error("spawn did not report its loading and waiting steps");
      }
      figures.spawn.push(run.seconds);
      figures.spawnLoad.push(marks.loaded - marks.loading);
      figures.ready.push(marks.waiting - marks.loaded);
      rss.spawn = Math.max(rss.spawn, run.peakMiB);
    };
    const runVerify = async () => {
      const marks: Record<string, number> = {};
      const run = await runCliMeasured(
        [
          "verify",
          "--evidence",
          path.join(operatorDir, "evidence.json"),
          "--package",
          packagePath,
          "--simulation",
          "--output",
          path.join(work, `trust-${round}`),
        ],
        {
          onStderrLine: (line, seconds) => {
            if (line.startsWith("Computing MRENCLAVE")) marks.dryRun = seconds;
          },
        },
      );
      if (marks.dryRun === undefined) throw new Error("verify did not report its dry run");
      figures.verify.push(run.seconds);
      figures.verifyRead.push(marks.dryRun);
      figures.dryRun.push(run.seconds - marks.dryRun);
      rss.verify = Math.max(rss.verify, run.peakMiB);
    };
    const runRead = async () => figures.read.push(await timedRead(packagePath));
    const runSpawnAndVerify = async () => {
      await runSpawn();
      if (oursFirst) {
        await runVerify();
        await runRead();
      } else {
        await runRead();
        await runVerify();
      }
      await removeApp(appName);
      rmSync(operatorDir, { recursive: true, force: true });
    };
    const runLoad = async () => {
      await dropImage();
      figures.load.push(timedDocker(["load", "-q", "-i", imageTar]));
      await dropImage();
    };
    if (oursFirst) {
      await runSpawnAndVerify();
      await runLoad();
    } else {
      await runLoad();
      await runSpawnAndVerify();
    }
  }

  const image = existsSync(imageTar) ? statSync(imageTar).size : 0;
  if (image < 1024 * MiB) throw new Error("the benchmark image is smaller than 1 GiB");
  const m = Object.fromEntries(
    Object.entries(figures).map(([key, values]) => [key, median(values)]),
  ) as Record<keyof typeof figures, number>;
  const s = (seconds: number) => `${seconds.toFixed(1)} s`;
  console.log(`\nimage.tar ${(image / MiB).toFixed(0)} MiB; medians of ${ROUNDS} alternated rounds:`);
  console.log(
    `package: ${s(m.package)} vs docker build (cached) + docker save -o ${s(m.buildSave)}: ${(m.package / m.buildSave).toFixed(2)}× (target ≤ 1.1×); peak RSS ${rss.package.toFixed(0)} MiB`,
  );
  console.log(
    `spawn: ${s(m.spawn)} (its image load ${s(m.spawnLoad)}, then ${s(m.ready)} from load done to waiting for secrets) vs docker load -i ${s(m.load)}: ` +
      `${(m.spawn / (m.load + m.ready)).toFixed(2)}× (load + ready; target ≤ 1.2×), image load ${(m.spawnLoad / m.load).toFixed(2)}× docker load; peak RSS ${rss.spawn.toFixed(0)} MiB`,
  );
  console.log(
    `verify --package (image present): ${s(m.verify)} (reading and hashing ${s(m.verifyRead)}, dry run and verification ${s(m.dryRun)}) vs one read ${s(m.read)} + the dry run: ` +
      `${(m.verify / (m.read + m.dryRun)).toFixed(2)}× (target ≤ 1.0×); peak RSS ${rss.verify.toFixed(0)} MiB`,
  );
  console.log(`peak RSS limit ${LIMIT_MIB} MiB`);
  failed = Math.max(rss.package, rss.spawn, rss.verify) >= LIMIT_MIB;
} finally {
  for (let round = 0; round < ROUNDS; round++) await removeApp(`${name}-${round}`);
  await dropImage();
  await pccs.close();
  rmSync(work, { recursive: true, force: true });
}
if (failed) {
  console.error(`FAIL: peak RSS reached ${LIMIT_MIB} MiB`);
  process.exitCode = 1;
}

// The Docker engine stops under a running command: during `package` (while it saves the image),
// during `spawn` while it loads the image, and while it waits for the configuration server. The
// engine is the test's own (test/support/isolatedDockerd), so stopping it disturbs no other test.
// Each command ends with one sentence naming the engine; once the engine is back, nothing of the
// command is left on it or on disk, and a re-run succeeds.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { DockerEngine } from "../../src/docker/engine.js";
import { inspectImage, removeImage } from "../../src/docker/images.js";
import { loadImage, saveImage } from "../../src/docker/imageTransfer.js";
import { imageRepositoryFor } from "../../src/provider/package.js";
import { scaffold } from "../../src/provider/scaffold.js";
import { startPccsServer, type PccsServer } from "../../src/simulation/pccsServer.js";
import { initPlatform } from "../../src/simulation/platform.js";
import { ensureBaseImage } from "../support/baseImage.js";
import { CLI_PATH, type CliRun, runCli } from "../support/cli.js";
import { describeDocker, testEngine } from "../support/docker.js";
import { type IsolatedDockerd, startIsolatedDockerd } from "../support/isolatedDockerd.js";
import { expectNoApp as expectNoAppOn, packageRunTags } from "../support/appLeftovers.js";
import { freePort, uniqueName } from "../support/unique.js";

const COMMAND_TIMEOUT_MS = 240_000;

/** A CLI run in the background whose stderr is watched; ends within COMMAND_TIMEOUT_MS. */
function startCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; done: Promise<CliRun>; stderr: () => string } {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), COMMAND_TIMEOUT_MS);
  const done = new Promise<CliRun>((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    }),
  );
  return { child, done, stderr: () => stderr };
}

async function until(
  what: string,
  run: { child: ChildProcess; stderr: () => string },
  condition: () => Promise<boolean> | boolean,
): Promise<void> {
  const deadline = Date.now() + COMMAND_TIMEOUT_MS;
  while (!(await condition())) {
    if (run.child.exitCode !== null)
      throw new Error(`the command ended (${run.child.exitCode}) before ${what}: ${run.stderr()}`);
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${COMMAND_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The one error sentence of a failed run (exit 1), never a stack trace: it names the engine that
 * went away, the engine operation that a stopping engine refused (e.g. "creating volume X failed:
 * … database not open"), or the app the stopping engine killed.
 */
function engineErrorOf(run: CliRun, host: string): string {
  expect(run.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(1);
  const errors = run.stderr.split("\n").filter((line) => line.startsWith("error:"));
  expect(errors, run.stderr).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(
    errors[0]!.includes(`Docker engine at ${host}`) ||
      / failed: /.test(errors[0]!) ||
      / stopped with exit code \d+ while waiting for its configuration server/.test(errors[0]!),
    errors[0],
  ).toBe(true);
  return errors[0]!;
}

describeDocker("the Docker engine stops under a command", () => {
  let dockerd: IsolatedDockerd;
  let engine: DockerEngine;
  let env: NodeJS.ProcessEnv;
  const appName = uniqueName("engine-faults");
  let work = "";
  let project = "";
  let platformDir = "";
  let pccs: PccsServer;
  let packagePath = "";
  let baseImage = "";
  let baseTar = "";

  function spawnArgs(name: string, output: string, port: number, pkg = packagePath): string[] {
    return [
      "spawn",
      name,
      "--host",
      "localhost",
      "--port",
      String(port),
      "--size",
      "2048",
      "--package",
      pkg,
      "--output",
      output,
      "--pccs",
      pccs.url,
      "--pccs-insecure-tls",
      "--simulation",
      "--platform",
      platformDir,
      "--timeout",
      "2",
    ];
  }

  const packageTags = () => packageRunTags(engine, appName);

  /**
   * Removes an image even when a layer's overlay mount outlived the engine stop (a build container's
   * `merged` directory, EBUSY): that mount is the stopped engine's leftover, not what this test checks,
   * so it is detached (the test runs as root) and the removal tried again.
   */
  async function removeImageSettled(reference: string): Promise<void> {
    // By id: a removal that failed half-way has already untagged the image.
    const image = await inspectImage(engine, reference);
    if (!image) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await removeImage(engine, image.id, { force: true, ignoreMissing: attempt > 1 });
        return;
      } catch (error) {
        const busy = /unlinkat (\S+): device or resource busy/.exec(String(error));
        if (attempt >= 10 || !busy) throw error;
        await promisify(execFile)("umount", ["-l", busy[1]!]).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  const expectNoApp = (name: string) => expectNoAppOn(engine, name);

  beforeAll(async () => {
    const base = await ensureBaseImage();
    work = await mkdtemp(path.join(tmpdir(), "msehome-e2e-engine-"));
    dockerd = await startIsolatedDockerd();
    engine = dockerd.engine();
    env = { DOCKER_HOST: dockerd.host };
    // The base image, carried over from the suite's engine as a package carries an image.
    baseImage = base;
    baseTar = path.join(work, "base.tar");
    await saveImage(testEngine(), base, baseTar);
    await loadImage(engine, baseTar);
    platformDir = path.join(work, "platform");
    await initPlatform(platformDir);
    pccs = await startPccsServer({ host: "127.0.0.1", port: 0, platformDir, tls: true });
    project = (await scaffold(appName, { parentDir: work })).directory;
    const dockerfile = path.join(project, "Dockerfile");
    await writeFile(dockerfile, `${await readFile(dockerfile, "utf8")}\nLABEL msehome.test="${appName}"\n`);
  }, 300_000);

  afterAll(async () => {
    await dockerd?.remove();
    await pccs?.close();
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

  it("during package: one sentence, no package; once the engine is back the next package cleans its tag and succeeds", async () => {
    const output = path.join(work, "package");
    const run = startCli(["package", "--project", project, "--output", output, "--simulation"], env);
    await until("the package's image tag", run, async () => (await packageTags()).length > 0);
    await dockerd.stop();
    const failed = await run.done;
    engineErrorOf(failed, dockerd.host);
    // The output directory this run created goes with it.
    expect(existsSync(output)).toBe(false);

    await dockerd.start();
    const result = JSON.parse(
      (await runCli(["--json", "package", "--project", project, "--output", output, "--simulation"], { env }))
        .stdout,
    ) as { package: { path: string }; image: { id: string } };
    packagePath = result.package.path;
    expect(await readdir(output)).toEqual([path.basename(packagePath)]);
    expect(await packageTags()).toEqual([]);
    // As on the operator's machine: the engine holds neither the app's image nor its base, so
    // spawn's load streams all of it (long enough to stop the engine in the middle).
    await removeImageSettled(`${imageRepositoryFor(appName)}:latest`);
    await removeImageSettled(baseImage);
    expect(await inspectImage(engine, result.image.id)).toBeUndefined();
  }, 600_000);

  it("during spawn's image load: one sentence, nothing left once the engine is back, a re-run succeeds", async () => {
    const name = uniqueName("engine-load");
    const output = path.join(work, "spawn-load");
    const run = startCli(spawnArgs(name, output, await freePort()), env);
    await until("the image load", run, () => run.stderr().includes("Loading the image"));
    await dockerd.stop();
    // The engine comes back while spawn undoes what it created (spawn waits for it, bounded).
    await dockerd.start();
    engineErrorOf(await run.done, dockerd.host);
    expect(existsSync(output)).toBe(false);
    await expectNoApp(name);
    const again = await runCli(spawnArgs(name, output, await freePort()), { env });
    expect(again.code, again.stderr).toBe(0);
    expect((await runCli(["stop", name, "--remove"], { env })).code).toBe(0);
    await expectNoApp(name);
  }, 600_000);

  it("while spawn waits for the configuration server: one sentence, nothing left once the engine is back, a re-run succeeds", async () => {
    if (!(await inspectImage(engine, baseImage))) await loadImage(engine, baseTar);
    // An app whose configuration server never comes up, so the engine stops while spawn waits.
    const silentName = uniqueName("engine-silent");
    const silent = (await scaffold(silentName, { parentDir: work })).directory;
    const dockerfile = path.join(silent, "Dockerfile");
    await writeFile(
      dockerfile,
      `${await readFile(dockerfile, "utf8")}\nENTRYPOINT ["/bin/sh", "-c", "exec node -e 'setInterval(() => {}, 60000)'", "--"]\n`,
    );
    const packaged = await runCli(
      ["--json", "package", "--project", silent, "--output", path.join(work, "silent"), "--simulation"],
      { env },
    );
    expect(packaged.code, packaged.stderr).toBe(0);
    const silentPackage = (JSON.parse(packaged.stdout) as { package: { path: string } }).package.path;

    const name = uniqueName("engine-wait");
    const output = path.join(work, "spawn-wait");
    const run = startCli(spawnArgs(name, output, await freePort(), silentPackage), env);
    await until("the wait for the configuration server", run, () =>
      run.stderr().includes("Waiting for the configuration server"),
    );
    await dockerd.stop();
    // The engine comes back while spawn undoes what it created (spawn waits for it, bounded).
    await dockerd.start();
    engineErrorOf(await run.done, dockerd.host);
    expect(existsSync(output)).toBe(false);
    await expectNoApp(name);

    const again = await runCli(spawnArgs(name, output, await freePort()), { env });
    expect(again.code, again.stderr).toBe(0);
    expect((await runCli(["stop", name, "--remove"], { env })).code).toBe(0);
    await expectNoApp(name);
  }, 600_000);
});

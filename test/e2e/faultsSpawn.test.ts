// `package` and `spawn` under faults, with real containers, as the user runs them: the disk fills
// up (a small tmpfs as the output directory), the process is killed (SIGKILL) half-way, two
// spawns race for one name or one port. Each failure is one sentence, leaves no container,
// volume, image tag or partial file behind (or the next command removes it, or refuses naming the
// fix), and a re-run succeeds.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { findContainer } from "../../src/docker/container.js";
import { VOLUME_APP_LABEL } from "../../src/docker/appFilesystem.js";
import { inspectImage, removeImage } from "../../src/docker/images.js";
import { createVolume, listVolumesByLabel, removeVolume } from "../../src/docker/volumes.js";
import { appImageTag } from "../../src/operator/appImage.js";
import { imageRepositoryFor } from "../../src/provider/package.js";
import { scaffold } from "../../src/provider/scaffold.js";
import { startPccsServer, type PccsServer } from "../../src/simulation/pccsServer.js";
import { initPlatform } from "../../src/simulation/platform.js";
import { ensureBaseImage } from "../support/baseImage.js";
import { CLI_PATH, type CliRun, runCli } from "../support/cli.js";
import { describeDocker, removeAppNamed, testEngine } from "../support/docker.js";
import { mountSmallFileSystem } from "../support/smallFileSystem.js";
import { expectNoApp as expectNoAppOn, packageRunTags } from "../support/appLeftovers.js";
import { freePort, uniqueName } from "../support/unique.js";

/** The one error sentence of a failed run (exit 1, or 2 for a refused input), never a stack trace. */
function errorOf(run: CliRun, code = 1): string {
  expect(run.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(code);
  const errors = run.stderr.split("\n").filter((line) => line.startsWith("error:"));
  expect(errors).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  return errors[0]!;
}

function ok(run: CliRun): CliRun {
  expect(run.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(0);
  return run;
}

/** Polls until `condition` holds while `child` runs, for at most `timeoutMs`. */
async function until(
  what: string,
  child: ChildProcess,
  condition: () => Promise<boolean>,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (child.exitCode !== null) throw new Error(`the command ended (${child.exitCode}) before ${what}`);
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts the CLI in the background (for a kill); resolves its signal or exit code when it ends. */
function startCli(args: string[]): { child: ChildProcess; ended: Promise<string> } {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: "ignore" });
  const ended = new Promise<string>((resolve) =>
    child.on("exit", (code, signal) => resolve(signal ?? `exit ${code}`)),
  );
  return { child, ended };
}

describeDocker("package and spawn under faults", () => {
  const engine = testEngine();
  const appName = uniqueName("faults");
  const apps: string[] = [];
  let work = "";
  let project = "";
  let platformDir = "";
  let pccs: PccsServer;
  let packagePath = "";
  let imageId = "";

  function spawnArgs(name: string, output: string, port: number): string[] {
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
      packagePath,
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

  const expectNoApp = (name: string) => expectNoAppOn(engine, name);

  const packageTags = () => packageRunTags(engine, appName);

  async function removeApp(name: string): Promise<void> {
    ok(await runCli(["stop", name, "--remove"]));
    await expectNoApp(name);
  }

  beforeAll(async () => {
    await ensureBaseImage();
    work = await mkdtemp(path.join(tmpdir(), "msehome-e2e-faults-"));
    platformDir = path.join(work, "platform");
    await initPlatform(platformDir);
    pccs = await startPccsServer({ host: "127.0.0.1", port: 0, platformDir, tls: true });
    const { directory } = await scaffold(appName, { parentDir: work });
    project = directory;
    // An image of its own, so that removing it never touches another test's.
    const dockerfile = path.join(project, "Dockerfile");
    await writeFile(dockerfile, `${await readFile(dockerfile, "utf8")}\nLABEL msehome.test="${appName}"\n`);
  }, 300_000);

  afterAll(async () => {
    for (const name of apps) {
      await removeAppNamed(name);
      await removeImage(engine, appImageTag(name), { ignoreMissing: true }).catch(() => undefined);
    }
    for (const tag of await packageTags().catch(() => [])) {
      await removeImage(engine, tag, { ignoreMissing: true }).catch(() => undefined);
    }
    await removeImage(engine, `${imageRepositoryFor(appName)}:latest`, { ignoreMissing: true }).catch(
      () => undefined,
    );
    if (imageId)
      await removeImage(engine, imageId, { force: true, ignoreMissing: true }).catch(() => undefined);
    await pccs?.close();
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

  it("package on a full disk says so, naming the directory, and leaves no file or tag; a re-run succeeds", async () => {
    const full = await mountSmallFileSystem(2 * 1024 * 1024);
    try {
      const run = await runCli(["package", "--project", project, "--output", full.directory, "--simulation"]);
      expect(errorOf(run)).toBe(
        `error: no space left on the file system of ${full.directory} (nothing half-written was kept); free some space or write elsewhere.`,
      );
      expect(await full.entries()).toEqual([]);
      expect(await packageTags()).toEqual([]);
    } finally {
      await full.remove();
    }
    const output = path.join(work, "package");
    const result = JSON.parse(
      ok(await runCli(["--json", "package", "--project", project, "--output", output, "--simulation"]))
        .stdout,
    ) as { package: { path: string }; image: { id: string } };
    packagePath = result.package.path;
    imageId = result.image.id;
    expect(await readdir(output)).toEqual([path.basename(packagePath)]);
    expect(await packageTags()).toEqual([]);
  }, 600_000);

  it("package killed while it saves the image leaves no package; the next package removes the leftovers", async () => {
    const output = path.join(work, "killed-package");
    const { child, ended } = startCli(["package", "--project", project, "--output", output, "--simulation"]);
    // The package's own tag exists from the moment the image is saved until the package is written.
    await until("the package's image tag", child, async () => (await packageTags()).length > 0);
    child.kill("SIGKILL");
    expect(await ended).toBe("SIGKILL");
    const left = await readdir(output);
    expect(left.filter((entry) => !entry.startsWith("."))).toEqual([]);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(
      new RegExp(`^\\.package_${appName}_\\d+\\.tar\\.${child.pid}-[0-9a-f]{12}\\.partial$`),
    );
    expect(await packageTags()).toHaveLength(1);

    ok(await runCli(["package", "--project", project, "--output", output, "--simulation"]));
    const after = await readdir(output);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatch(new RegExp(`^package_${appName}_\\d+\\.tar$`));
    expect(await packageTags()).toEqual([]);
  }, 600_000);

  it("spawn on a full disk says so, naming the directory, and leaves nothing; a re-run succeeds", async () => {
    const name = uniqueName("faults-full");
    apps.push(name);
    // Spawn writes only the package's small members to disk (the image streams into the engine):
    // a few kilobytes of room is what fills up.
    const full = await mountSmallFileSystem(2 * 1024 * 1024, { freeBytes: 4096 });
    try {
      expect(errorOf(await runCli(spawnArgs(name, full.directory, await freePort())))).toBe(
        `error: no space left on the file system of ${full.directory} (nothing half-written was kept); free some space or write elsewhere.`,
      );
      expect(await full.entries()).toEqual([]);
      await expectNoApp(name);
    } finally {
      await full.remove();
    }
    const output = path.join(work, "spawn-after-full");
    ok(await runCli(spawnArgs(name, output, await freePort())));
    expect(existsSync(path.join(output, "evidence.json"))).toBe(true);
    await removeApp(name);
  }, 300_000);

  it("spawn killed while waiting for the configuration server is refused with the fix, then cleaned and re-run", async () => {
    const name = uniqueName("faults-killed");
    apps.push(name);
    const output = path.join(work, "killed-spawn");
    const port = await freePort();
    const { child, ended } = startCli(spawnArgs(name, output, port));
    await until("the app container", child, async () => (await findContainer(engine, name)) !== undefined);
    child.kill("SIGKILL");
    expect(await ended).toBe("SIGKILL");
    // Nothing that claims the spawn finished.
    expect(existsSync(path.join(output, "evidence.json"))).toBe(false);
    expect(existsSync(path.join(output, "ratls.pem"))).toBe(false);

    // Into the same directory: refused, naming what is there and the fix.
    expect(errorOf(await runCli(spawnArgs(name, output, port)), 2)).toMatch(
      new RegExp(
        `^error: --output ${output} already holds .*mse\\.toml.*; spawn each app into a directory of its own \\(or remove them\\)\\.$`,
      ),
    );
    // Into a new one: refused, naming the leftover app and the command that removes it.
    const fresh = path.join(work, "killed-spawn-again");
    expect(errorOf(await runCli(spawnArgs(name, fresh, port)))).toMatch(
      new RegExp(
        `^error: an msehome app named "${name}" already exists \\(its container is \\w+\\); remove it with "msehome stop ${name} --remove", or choose another name\\.$`,
      ),
    );
    expect(existsSync(fresh)).toBe(false);

    await removeApp(name);
    ok(await runCli(spawnArgs(name, fresh, port)));
    await removeApp(name);
  }, 300_000);

  it("spawn killed before its container existed left volumes: the next spawn of the name names them and the fix", async () => {
    const name = uniqueName("faults-volumes");
    apps.push(name);
    // What such a spawn leaves: an inputs volume labelled with the app's name, and no container.
    const volume = `${name}-inputs-0123abcd`;
    await createVolume(engine, volume, { msehome: "1", [VOLUME_APP_LABEL]: name });
    const output = path.join(work, "after-volumes");
    expect(errorOf(await runCli(spawnArgs(name, output, await freePort())))).toBe(
      `error: volumes of an unfinished spawn of "${name}" remain (${volume}); remove them with "docker volume rm ${volume}", or choose another name.`,
    );
    expect(existsSync(output)).toBe(false);
    await removeVolume(engine, volume);
    ok(await runCli(spawnArgs(name, output, await freePort())));
    await removeApp(name);
  }, 300_000);

  it("two spawns racing for one name: exactly one succeeds, the other leaves nothing and spares the winner", async () => {
    const name = uniqueName("faults-race");
    apps.push(name);
    const outputs = [path.join(work, "race-name-a"), path.join(work, "race-name-b")];
    const runs = await Promise.all(
      outputs.map(async (output) => runCli(spawnArgs(name, output, await freePort()))),
    );
    const winners = runs.filter((run) => run.code === 0);
    expect(winners, runs.map((run) => run.stderr).join("\n")).toHaveLength(1);
    const loser = runs.findIndex((run) => run.code !== 0);
    // The loser finds the name taken when it checks, or when it creates its container.
    expect(errorOf(runs[loser]!)).toMatch(
      new RegExp(`"${name}" already exists|volumes of an unfinished spawn of "${name}" remain`),
    );
    expect(existsSync(outputs[loser]!)).toBe(false);
    // The winner's app, volumes and image tag are whole: it still serves.
    expect(await inspectImage(engine, appImageTag(name))).toBeDefined();
    expect(await listVolumesByLabel(engine, { [VOLUME_APP_LABEL]: name })).toHaveLength(2);
    const status = JSON.parse(ok(await runCli(["status", name, "--json"])).stdout) as { state: string };
    expect(status.state).toBe("waiting for secrets");
    await removeApp(name);
  }, 300_000);

  it("two spawns racing for one port: exactly one succeeds, the other leaves nothing and spares the winner", async () => {
    const names = [uniqueName("faults-port-a"), uniqueName("faults-port-b")];
    apps.push(...names);
    const port = await freePort();
    const outputs = names.map((name) => path.join(work, `race-${name}`));
    const runs = await Promise.all(names.map((name, i) => runCli(spawnArgs(name, outputs[i]!, port))));
    const winner = runs.findIndex((run) => run.code === 0);
    expect(
      runs.filter((run) => run.code === 0),
      runs.map((run) => run.stderr).join("\n"),
    ).toHaveLength(1);
    const loser = 1 - winner;
    expect(errorOf(runs[loser]!)).toMatch(new RegExp(`port 127\\.0\\.0\\.1:${port} is not available`));
    expect(existsSync(outputs[loser]!)).toBe(false);
    await expectNoApp(names[loser]!);
    const status = JSON.parse(ok(await runCli(["status", names[winner]!, "--json"])).stdout) as {
      state: string;
    };
    expect(status.state).toBe("waiting for secrets");
    await removeApp(names[winner]!);
  }, 300_000);
});

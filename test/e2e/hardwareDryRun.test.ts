// msehome-run's SGX hardware code path end to end, without SGX: `--dry-run` without `--simulation`
// in the base image, with the strict Gramine stand-ins on the PATH (gramine-manifest renders and
// validates the manifest template, gramine-sgx-sign measures it as Gramine 1.9 does). The
// measurement is stable and binds the code, the enclave size and every launch argument.
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runAppDryRun } from "../../src/docker/appContainer.js";
import { removeImage } from "../../src/docker/images.js";
import type { LaunchArguments } from "../../src/model/launchArguments.js";
import { tarDirectory } from "../../src/package/tarWriter.js";
import { scaffold } from "../../src/provider/scaffold.js";
import { ensureBaseImage } from "../support/baseImage.js";
import { describeDocker, testEngine } from "../support/docker.js";
import { buildGramineStandInImage } from "../support/gramine/standInImage.js";
import { uniqueName } from "../support/unique.js";

const MEASUREMENT = /^Measurement:\n {4}([0-9a-f]{64})\n$/;

describeDocker("msehome-run --dry-run on the SGX hardware path", () => {
  const tag = `msehome-test/${uniqueName("gramine-stand-ins")}:1`;
  let work: string;
  let mseSrc: string;
  let appTar: string;
  const launch: LaunchArguments = {
    sizeMb: 2048,
    san: "app.example.com",
    extraSans: [],
    appId: randomUUID(),
    application: "app.mjs:app",
    expiration: 1_900_000_000,
    subprocesses: false,
    simulation: false,
    dryRun: true,
    debug: false,
  };

  beforeAll(async () => {
    const base = await ensureBaseImage();
    await buildGramineStandInImage(testEngine(), base, tag);
    work = await mkdtemp(path.join(tmpdir(), "msehome-e2e-hardware-"));
    mseSrc = path.join((await scaffold("hwapp", { parentDir: work })).directory, "mse_src");
    appTar = path.join(work, "app.tar");
    await tarDirectory(mseSrc, appTar);
  }, 300_000);

  afterAll(async () => {
    await removeImage(testEngine(), tag, { force: true, ignoreMissing: true }).catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function measure(changes: Partial<LaunchArguments> = {}, code = appTar): Promise<string> {
    const run = await runAppDryRun(testEngine(), {
      image: tag,
      launch: { ...launch, ...changes },
      appTar: code,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const match = MEASUREMENT.exec(run.stdout);
    expect(match, run.stdout).not.toBeNull();
    return match![1]!;
  }

  let base: string;

  it("prints a Measurement that is stable across runs (a throw-away key signs each)", async () => {
    base = await measure();
    expect(await measure()).toBe(base);
  }, 180_000);

  it("changes with one byte of code, the enclave size and each launch argument", async () => {
    const variants: Array<[string, Partial<LaunchArguments>]> = [
      ["size", { sizeMb: 4096 }],
      ["san", { san: "other.example.com" }],
      ["id", { appId: randomUUID() }],
      ["application", { application: "app.mjs:other" }],
      ["expiration", { expiration: 1_900_000_001 }],
      ["subprocesses", { subprocesses: true }],
    ];
    const seen = new Map<string, string>([[base, "base"]]);
    for (const [what, changes] of variants) {
      const measurement = await measure(changes);
      expect(seen.get(measurement), what).toBeUndefined();
      seen.set(measurement, what);
    }
    const appFile = path.join(mseSrc, "app.mjs");
    await writeFile(appFile, Buffer.concat([await readFile(appFile), Buffer.from(" ")]));
    const patched = path.join(work, "patched.tar");
    await tarDirectory(mseSrc, patched);
    const byCode = await measure({}, patched);
    expect(seen.get(byCode), "code").toBeUndefined();
  }, 600_000);

  it("says in one sentence that the simulation base image has no Gramine", async () => {
    const run = await runAppDryRun(testEngine(), {
      image: await ensureBaseImage(),
      launch,
      appTar,
      env: { MSEHOME_SIMULATION_ONLY: "0" },
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr.trim()).toBe(
      "msehome-run: error: gramine-manifest is not installed in this image: SGX hardware needs the base image built from docker/base/Dockerfile (or spawn with --simulation)",
    );
  }, 120_000);
});

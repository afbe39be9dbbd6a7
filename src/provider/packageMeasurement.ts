// The MRENCLAVE a package gives under given spawn arguments, recomputed the way `verify --package`
// needs it: the package is read once (every member checked against its manifest), its image
// streamed from it into the engine while hashed — or only hashed when the engine holds it — and run once with
// `msehome-run --dry-run` and exactly the launch arguments the operator's spawn used, with the
// package's app.tar as input. An image this run loaded is removed again.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { runAppDryRun } from "../docker/appContainer.js";
import { connectDocker, type DockerEngine } from "../docker/engine.js";
import { inspectImage } from "../docker/images.js";
import { type CheckedLoad, loadImageChecked } from "../docker/reversibleImageLoad.js";
import type { EvidenceMode, SpawnArgs } from "../model/evidence.js";
import { launchArgumentsFromSpawnArgs, type LaunchArguments } from "../model/launchArguments.js";
import { type MseConfig, readMseToml } from "../model/mseToml.js";
import { PackageFile } from "../package/packageFile.js";

export interface PackageMeasurement {
  /** MRENCLAVE, 64 lowercase hex digits. */
  mrEnclave: string;
  /** The package's image (from its manifest). */
  imageId: string;
  /** True when the image was loaded for this measurement (and removed again). */
  loadedImage: boolean;
  /** mse.toml's application: what the provider meant the enclave to serve. */
  application: string;
}

export interface MeasurePackageOptions {
  engine?: DockerEngine;
  /** Where app.tar and mse.toml are written while measuring (default: the system's temporary directory). */
  workDir?: string;
  /** How long the dry run may take (default 10 minutes). */
  timeoutMs?: number;
  onPhase?(message: string): void;
  /** Bytes of image.tar loaded or hashed so far. */
  onBytes?(total: number): void;
  signal?: AbortSignal;
}

/**
 * The dry run's launch arguments: the enclave's, from the spawn arguments its evidence records and
 * the package's mse.toml (whether the app may start subprocesses).
 */
export function launchArgumentsOf(
  spawnArgs: SpawnArgs,
  mode: EvidenceMode,
  config: Pick<MseConfig, "allow_subprocesses">,
): LaunchArguments {
  return {
    ...launchArgumentsFromSpawnArgs(spawnArgs, mode, { subprocesses: config.allow_subprocesses }),
    dryRun: true,
  };
}

/** The measurement from `msehome-run --dry-run`'s output (`Measurement:\n    <64 hex>`). */
export function parseDryRunMeasurement(stdout: string): string {
  const match = /(?:^|\n)Measurement:\s*\n\s*([0-9a-fA-F]{64})\s*$/.exec(stdout);
  if (!match) {
    const shown = stdout.trim().split("\n").slice(-3).join(" / ").slice(0, 300);
    throw new Error(
      `the package's image printed no measurement with --dry-run (expected "Measurement:" and 64 hex digits, got ${shown ? JSON.stringify(shown) : "nothing"})`,
    );
  }
  return match[1]!.toLowerCase();
}

/** The last meaningful line of a failed run's output, to say why. */
function lastLine(text: string): string {
  return (
    text
      .trim()
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean)
      .at(-1) ?? "no output"
  );
}

export async function measurePackage(
  packagePath: string,
  spawnArgs: SpawnArgs,
  mode: EvidenceMode,
  options: MeasurePackageOptions = {},
): Promise<PackageMeasurement> {
  const signal = options.signal;
  const onBytes = options.onBytes?.bind(options);
  const info = await stat(packagePath).catch(() => undefined);
  if (!info) throw new Error(`the package ${packagePath} does not exist`);
  if (!info.isFile()) throw new Error(`the package ${packagePath} is not a file`);
  options.onPhase?.(`Reading ${path.basename(packagePath)}`);
  const opened = await PackageFile.open(packagePath);
  let work: string | undefined;
  let load: CheckedLoad | undefined;
  try {
    work = await mkdtemp(path.join(options.workDir ?? tmpdir(), "msehome-verify-package-"));
    const appTar = path.join(work, "app.tar");
    const configFile = path.join(work, "mse.toml");
    await opened.writeMember("app.tar", appTar);
    await opened.writeMember("mse.toml", configFile);
    await opened.checkMember("tests.tar");
    const config = await readMseToml(configFile);
    signal?.throwIfAborted();

    const engine = options.engine ?? (await connectDocker());
    const imageId = opened.manifest.imageId;
    if (await inspectImage(engine, imageId)) {
      // The engine holds the image: the member is only hashed, in the same single read of the package.
      options.onPhase?.("Checking the package's image.tar");
      await opened.checkMember("image.tar", onBytes);
    } else {
      options.onPhase?.(`Loading the package's image ${imageId.slice(7, 19)}`);
      const image = opened.openImage(onBytes);
      load = await loadImageChecked(engine, image.stream, {
        imageId,
        checkBytes: async () => opened.checkDigest("image.tar", await image.digest()),
        ...(signal ? { signal } : {}),
      });
    }
    await opened.close();
    signal?.throwIfAborted();

    options.onPhase?.("Computing MRENCLAVE with msehome-run --dry-run");
    const run = await runAppDryRun(engine, {
      image: imageId,
      launch: launchArgumentsOf(spawnArgs, mode, config),
      appTar,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
    if (run.exitCode !== 0) {
      throw new Error(
        `the package's image could not compute the measurement: msehome-run --dry-run exited with code ${run.exitCode} (${lastLine(run.stderr || run.stdout)})`,
      );
    }
    return {
      mrEnclave: parseDryRunMeasurement(run.stdout),
      imageId,
      loadedImage: load !== undefined,
      application: config.application,
    };
  } finally {
    // An image this measurement loaded goes again.
    await load?.undo();
    await opened.close();
    if (work) await rm(work, { recursive: true, force: true });
  }
}

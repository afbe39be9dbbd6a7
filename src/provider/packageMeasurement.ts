// The MRENCLAVE a package gives under given spawn arguments, recomputed the way `verify --package`
// needs it: the package is extracted (every member checked against its manifest), its image loaded
// into the engine (streamed from disk) unless the engine holds it already, and run once with
// `msehome-run --dry-run` and exactly the launch arguments the operator's spawn used, with the
// package's app.tar as input. An image this run loaded is removed again.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { runAppDryRun } from "../docker/appContainer.js";
import { connectDocker, type DockerEngine } from "../docker/engine.js";
import { ImageLoadError } from "../docker/errors.js";
import { inspectImage, removeImage } from "../docker/images.js";
import { loadImage } from "../docker/imageTransfer.js";
import type { EvidenceMode, SpawnArgs } from "../model/evidence.js";
import { launchArgumentsFromSpawnArgs, type LaunchArguments } from "../model/launchArguments.js";
import { type MseConfig, readMseToml } from "../model/mseToml.js";
import { extractPackage } from "../package/packageReader.js";

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
  /** Where the package is extracted while measuring (default: the system's temporary directory). */
  workDir?: string;
  /** How long the dry run may take (default 10 minutes). */
  timeoutMs?: number;
  onPhase?(message: string): void;
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
  const info = await stat(packagePath).catch(() => undefined);
  if (!info) throw new Error(`the package ${packagePath} does not exist`);
  if (!info.isFile()) throw new Error(`the package ${packagePath} is not a file`);
  const work = await mkdtemp(path.join(options.workDir ?? tmpdir(), "msehome-verify-package-"));
  let engine: DockerEngine | undefined;
  let loaded: { ids: string[]; tags: string[] } | undefined;
  try {
    options.onPhase?.(`Extracting ${path.basename(packagePath)}`);
    const extracted = await extractPackage(path.resolve(packagePath), path.join(work, "package"));
    const config = await readMseToml(extracted.files["mse.toml"]);
    signal?.throwIfAborted();

    engine = options.engine ?? (await connectDocker());
    const imageId = extracted.manifest.imageId;
    if (!(await inspectImage(engine, imageId))) {
      options.onPhase?.(`Loading the package's image ${imageId.slice(7, 19)}`);
      loaded = await loadImage(engine, extracted.files["image.tar"], signal ? { signal } : {});
      if (!loaded.ids.includes(imageId)) {
        throw new ImageLoadError(
          `the package's image.tar holds ${loaded.ids.join(", ")}, not the image ${imageId} its manifest names`,
        );
      }
    }
    await rm(extracted.files["image.tar"], { force: true });
    signal?.throwIfAborted();

    options.onPhase?.("Computing MRENCLAVE with msehome-run --dry-run");
    const run = await runAppDryRun(engine, {
      image: imageId,
      launch: launchArgumentsOf(spawnArgs, mode, config),
      appTar: extracted.files["app.tar"],
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
      loadedImage: loaded !== undefined,
      application: config.application,
    };
  } finally {
    if (engine && loaded) {
      const active = engine;
      // Untagging the last tag deletes the image; removing the ids catches an untagged load.
      for (const reference of [...loaded.tags, ...loaded.ids]) {
        await removeImage(active, reference, { ignoreMissing: true }).catch(() => undefined);
      }
    }
    await rm(work, { recursive: true, force: true });
  }
}

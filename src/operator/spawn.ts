// `msehome spawn NAME --host H --port P --size MB --package F --output DIR`: checks everything
// first, reads the package once (its small members checked and written into DIR, its image
// streamed from the package into the engine while hashed, the hash and the id checked against the
// manifest), starts the app container (its code, signer key and simulated platform copied into its
// inputs volume through the Engine API), waits for the configuration server, and collects the
// evidence. A failure at any step removes what this spawn created: container, volumes, image tag,
// files.
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import {
  type AppContainer,
  readAppContainer,
  removeAppContainer,
  startAppContainer,
} from "../docker/appContainer.js";
import { updateRestartPolicy } from "../docker/container.js";
import { connectDocker, type DockerEngine } from "../docker/engine.js";
import { explainNoSpace, removeStaleTemporaries, temporaryPathFor } from "../crypto/atomicOutput.js";
import {
  ContainerNameTakenError,
  DockerEngineError,
  DockerNotFoundError,
  DockerUnavailableError,
} from "../docker/errors.js";
import { inspectImage, removeImage, tagImage } from "../docker/images.js";
import { loadImageChecked } from "../docker/reversibleImageLoad.js";
import type { AppMode } from "../docker/appLabels.js";
import { isSimulationOnlyImage, SIMULATION_BASE_IMAGE } from "../model/baseImage.js";
import type { LaunchArguments } from "../model/launchArguments.js";
import { DEFAULT_RESTART_POLICY, formatRestartPolicy, type RestartPolicy } from "../model/restartPolicy.js";
import { readMseToml } from "../model/mseToml.js";
import { PackageFile } from "../package/packageFile.js";
import { extractTarSafely } from "../package/safeExtract.js";
import { appImageTag, releaseAppImage } from "./appImage.js";
import { type AppWaitRequest, DEFAULT_APP_TIMEOUT_MS, waitForAppState } from "./appReadiness.js";
import type { AppProbe } from "./appState.js";
import { OperatorInputError } from "./errors.js";
import { gatherEvidence, writeEvidence } from "./evidence.js";
import type { PccsSource } from "./pccsSource.js";
import type { SimulatedPlatformProbe } from "./simulatedHostChecks.js";
import {
  checkNameFree,
  checkReachable,
  checkPackageFile,
  checkPortFree,
  checkSpawnHost,
  checkSpawnValues,
} from "./spawnChecks.js";
import { generateSignerKey, readSignerKey } from "./signerKey.js";
import { checkWorkspace, WorkspaceRollback, workspacePaths, type WorkspacePaths } from "./spawnWorkspace.js";

export const DEFAULT_CERTIFICATE_DAYS = 365;

/** `timeoutMs` is how long to wait for the configuration server; `onProbe` sees the app meanwhile. */
export interface SpawnRequest extends PccsSource, AppWaitRequest {
  name: string;
  /** DNS name or IP the certificate is issued for (its subject CN and first SAN). */
  host: string;
  /** Further DNS names or IPs the certificate names (default none). */
  extraSans?: readonly string[];
  /** Host address the port is published on (default 127.0.0.1; 0.0.0.0 or :: for every interface). */
  bind?: string;
  /** Host port the app is published on. */
  port: number;
  /** What the engine does when the app exits or the engine restarts (default unless-stopped). */
  restartPolicy?: RestartPolicy;
  /** Enclave size, MB. */
  sizeMb: number;
  packagePath: string;
  outputDir: string;
  /** The operator's RSA-3072 (e=3) signer key; by default spawn generates one into DIR. */
  signerKeyPath?: string;
  /** Validity of the RA-TLS certificate in days (default 365). */
  days?: number;
  /** Run on this simulated SGX platform instead of SGX hardware. */
  simulation?: SimulatedPlatformProbe;
  /** Where the SGX platform's /proc, /dev, /var/run and /etc are looked up (default "/"). */
  hostRoot?: string;
  /** Bytes of the image loaded (or hashed) so far, during the phase last reported. */
  onBytes?(total: number): void;
  /** Aborting (e.g. on Ctrl-C) stops the spawn between steps and undoes it. */
  signal?: AbortSignal;
  /** The clock, for the certificate's expiration. */
  now?: () => Date;
}

export interface SpawnResult {
  name: string;
  mode: AppMode;
  state: AppProbe["state"];
  appId: string;
  host: string;
  /** The certificate's further names. */
  sans: string[];
  /** Where the port is published. */
  bind: string;
  port: number;
  /** The restart policy, as --restart writes it. */
  restartPolicy: string;
  sizeMb: number;
  application: string;
  /** The RA-TLS certificate's expiration, ISO 8601. */
  expiresAt: string;
  image: { id: string; reference: string };
  containerId: string;
  outputDir: string;
  files: Omit<WorkspacePaths, "directory">;
  /** True when spawn generated the signer key (then in files.signerKey). */
  signerKeyGenerated: boolean;
  pccs: string;
  fmspc: string;
}

/**
 * How long a failed spawn waits for an engine that went away to come back, so it can remove what it
 * created there (a restarted engine takes seconds; a longer wait would only delay the error).
 */
export const ENGINE_RETURN_TIMEOUT_MS = 30_000;

/** Pings until the engine answers; false when it did not within `timeoutMs`. */
async function engineAnswers(engine: DockerEngine, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await engine.ping(Math.max(1, Math.min(5_000, deadline - Date.now())));
      return true;
    } catch {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** Undoes a half-done spawn, newest first; errors while undoing never hide the original failure. */
class SpawnRollback {
  /** The app container, removed with its volumes. */
  container: AppContainer | undefined;
  /** The app's tag, once given. */
  tag: string | undefined;
  /** The image id when this spawn loaded it (it was not on the engine before). */
  loadedImage: string | undefined;

  constructor(
    private readonly engine: DockerEngine,
    readonly workspace: WorkspaceRollback,
  ) {}

  /** Leaves the image and the app's tag in place (they serve an app of the same name). */
  keepImage(): void {
    this.tag = undefined;
    this.loadedImage = undefined;
  }

  /**
   * Undoes everything. A step the engine could not do (it went away, or refused while stopping) is
   * retried once it answers again, within ENGINE_RETURN_TIMEOUT_MS; a refusal on the merits (an
   * image still in use) is final. Returns the commands that remove what stayed on the engine.
   */
  async undo(): Promise<string[]> {
    const deadline = Date.now() + ENGINE_RETURN_TIMEOUT_MS;
    const left: string[] = [];
    const attempt = async (fix: string, step: () => Promise<unknown>): Promise<void> => {
      for (;;) {
        try {
          await step();
          return;
        } catch (error) {
          if (!isEngineTrouble(error)) return;
          // A stopping engine still answers pings for a moment: pause before asking again.
          await new Promise((resolve) => setTimeout(resolve, 500));
          const remaining = deadline - Date.now();
          if (remaining <= 0 || !(await engineAnswers(this.engine, remaining))) {
            left.push(fix);
            return;
          }
        }
      }
    };
    if (this.container) {
      const app = this.container;
      await attempt(`msehome stop ${app.name} --remove`, () => removeAppContainer(this.engine, app));
    }
    if (this.tag) {
      const tag = this.tag;
      await attempt(`docker image rm ${tag}`, () => releaseAppImage(this.engine, tag));
    }
    if (this.loadedImage) {
      const id = this.loadedImage;
      await attempt(`docker image rm ${id}`, () => removeImage(this.engine, id, { ignoreMissing: true }));
    }
    await this.workspace.undo();
    return left;
  }
}

/** The engine could not act (unreachable, or failing on its side), as opposed to refusing. */
function isEngineTrouble(error: unknown): boolean {
  if (error instanceof DockerUnavailableError) return true;
  return (
    error instanceof DockerEngineError &&
    !(error instanceof DockerNotFoundError) &&
    (error.statusCode === undefined || error.statusCode >= 500)
  );
}

/**
 * Makes the manifest's image available under the app's tag: streamed from the package into the
 * engine's load while hashed, unless the engine already holds it (ids are content digests: the
 * same id is the same image; the member is still hashed, so an altered package is refused alike).
 * A load whose bytes or id disagree with the manifest is undone.
 */
async function ensureImage(
  engine: DockerEngine,
  opened: PackageFile,
  tag: string,
  rollback: SpawnRollback,
  request: Pick<SpawnRequest, "signal" | "onBytes">,
): Promise<void> {
  const imageId = opened.manifest.imageId;
  const onBytes = request.onBytes?.bind(request);
  if (await inspectImage(engine, imageId)) {
    await opened.checkMember("image.tar", onBytes);
    rollback.tag = tag;
    await tagImage(engine, imageId, tag);
    return;
  }
  const image = opened.openImage(onBytes);
  const { loaded } = await loadImageChecked(engine, image.stream, {
    imageId,
    checkBytes: async () => opened.checkDigest("image.tar", await image.digest()),
    ...(request.signal ? { signal: request.signal } : {}),
  });
  rollback.loadedImage = imageId;
  rollback.tag = tag;
  await tagImage(engine, imageId, tag);
  // The package's own tag would keep the image alive after the app is removed: the app's tag replaces it.
  for (const packageTag of loaded.tags) {
    if (packageTag !== tag)
      await removeImage(engine, packageTag, { ignoreMissing: true }).catch(() => undefined);
  }
}

function simulationOnlyRefusal(): OperatorInputError {
  return new OperatorInputError(
    `the package's image is built on the simulation-only base image (${SIMULATION_BASE_IMAGE}), which has no Gramine and cannot run on SGX hardware; the code provider must package the app on the SGX base image (msehome package without --simulation, after scripts/build-base-image.sh --sgx), or spawn it on a simulated platform with --simulation`,
  );
}

/**
 * Opens the package (index and manifest). On SGX hardware, an image built on the simulation-only
 * base is refused here, from its configuration inside image.tar, before anything is loaded or started.
 */
async function openPackage(packagePath: string, simulation: boolean): Promise<PackageFile> {
  const opened = await PackageFile.open(packagePath);
  if (!simulation) {
    const marks = await opened.imageMarks().catch(async (error: unknown) => {
      await opened.close();
      throw error;
    });
    if (marks && isSimulationOnlyImage(marks)) {
      await opened.close();
      throw simulationOnlyRefusal();
    }
  }
  return opened;
}

/** A spawn failed and the engine did not come back in time to remove what it created there. */
export class SpawnLeftoversError extends Error {
  constructor(left: string[], cause: unknown) {
    super(
      `${cause instanceof Error ? cause.message.replace(/[.]$/, "") : String(cause)}; the Docker engine did not come back within ${ENGINE_RETURN_TIMEOUT_MS / 1000} s to remove what this spawn created there: once it answers, run ${left.map((fix) => `"${fix}"`).join(" and ")}`,
      { cause },
    );
    this.name = "SpawnLeftoversError";
  }
}

export async function spawnApp(request: SpawnRequest): Promise<SpawnResult> {
  const simulation = request.simulation !== undefined;
  const days = request.days ?? DEFAULT_CERTIFICATE_DAYS;
  const timeoutMs = request.timeoutMs ?? DEFAULT_APP_TIMEOUT_MS;
  const signal = request.signal;
  const hostIp = request.bind ?? "127.0.0.1";
  const extraSans = [...(request.extraSans ?? [])];
  const restartPolicy = request.restartPolicy ?? DEFAULT_RESTART_POLICY;

  // 1. Everything that can be checked before doing anything.
  request.onPhase?.("Checking the inputs");
  checkSpawnValues({ ...request, extraSans, bind: hostIp, days, timeoutMs, simulation });
  const paths = workspacePaths(request.outputDir);
  await checkPackageFile(request.packagePath);
  // What a killed spawn left in DIR (the extracted package) goes; its files spawn refuses below.
  if (existsSync(paths.directory)) await removeStaleTemporaries(paths.directory);
  await checkWorkspace(paths, request.signerKeyPath);
  const signerKeyPath = request.signerKeyPath === undefined ? undefined : path.resolve(request.signerKeyPath);
  if (signerKeyPath) await readSignerKey(signerKeyPath);
  // The platform, and a PCCS that answers for it (else the spawn would fail at its very end).
  const pccs = await checkSpawnHost(request);
  const engine = request.engine ?? (await connectDocker());
  checkReachable(engine, hostIp);
  await checkNameFree(engine, request.name);
  await checkPortFree(engine, hostIp, request.port);
  // The package's index and manifest, and on hardware the base its image was built on.
  const opened = await openPackage(request.packagePath, simulation);

  const workspace = new WorkspaceRollback(paths);
  const rollback = new SpawnRollback(engine, workspace);
  try {
    // 2. The small members, checked against the manifest as they are written beside DIR's entries.
    request.onPhase?.(`Reading ${path.basename(request.packagePath)}`);
    await workspace.createDirectory();
    const staging = temporaryPathFor(path.join(paths.directory, path.basename(request.packagePath)));
    workspace.wrote(staging);
    await mkdir(staging);
    const appTar = path.join(staging, "app.tar");
    const testsTar = path.join(staging, "tests.tar");
    await opened.writeMember("app.tar", appTar);
    await opened.writeMember("tests.tar", testsTar);
    const stagedConfig = path.join(staging, "mse.toml");
    await opened.writeMember("mse.toml", stagedConfig);
    const config = await readMseToml(stagedConfig);
    // Under its final name only once whole: a killed spawn leaves it in the staging directory.
    workspace.wrote(paths.config);
    await rename(stagedConfig, paths.config);

    // 3. The image, streamed from the package into the engine and held under the app's tag.
    const imageId = opened.manifest.imageId;
    request.onPhase?.(`Loading the image ${imageId.slice("sha256:".length, "sha256:".length + 12)}`);
    const tag = appImageTag(request.name);
    signal?.throwIfAborted();
    await ensureImage(engine, opened, tag, rollback, request);
    await opened.close();
    signal?.throwIfAborted();
    const image = await inspectImage(engine, tag);
    // A package whose image.tar did not show its base is checked once the image is in the engine.
    if (!simulation && image && isSimulationOnlyImage(image)) throw simulationOnlyRefusal();

    // 4. DIR: tests/ for `msehome test` (mse.toml is there already).
    workspace.wrote(paths.tests);
    await extractTarSafely(testsTar, paths.tests);

    // 5. The signer key: the operator's, or a fresh one kept in DIR for restarts.
    let signerKeyFile = signerKeyPath;
    if (!signerKeyFile) {
      request.onPhase?.("Generating the enclave signer key (RSA-3072, e=3)");
      workspace.wrote(paths.signerKey);
      await generateSignerKey(paths.signerKey);
      signerKeyFile = paths.signerKey;
    }

    signal?.throwIfAborted();
    // 6. The container, then its configuration server.
    request.onPhase?.(`Starting ${request.name}`);
    const now = request.now?.() ?? new Date();
    const launch: LaunchArguments = {
      sizeMb: request.sizeMb,
      san: request.host,
      extraSans,
      appId: randomUUID(),
      application: config.application,
      expiration: Math.floor(now.getTime() / 1000) + days * 86_400,
      subprocesses: config.allow_subprocesses,
      simulation,
      dryRun: false,
      debug: false,
    };
    const app: AppContainer = await startAppContainer(engine, {
      name: request.name,
      image: tag,
      launch,
      port: request.port,
      hostIp,
      inputs: {
        appTar,
        signerKey: signerKeyFile,
        ...(request.simulation
          ? { simulationPlatformDir: path.resolve(request.simulation.platformDir) }
          : {}),
      },
      healthcheckEndpoint: config.healthcheck_endpoint,
    });
    rollback.container = app;
    // The inputs volume holds the code now.
    await rm(staging, { recursive: true, force: true });
    request.onPhase?.(`Waiting for the configuration server of ${request.name}`);
    const probe = await waitForAppState(engine, app, ["waiting for secrets"], {
      during: "waiting for its configuration server",
      timeoutMs,
      ...(request.onProbe ? { onProbe: request.onProbe } : {}),
      ...(signal ? { signal } : {}),
    });
    signal?.throwIfAborted();
    // The policy applies once the app is up: an app that cannot start fails the spawn at once, with
    // its logs, instead of being restarted in a loop behind it.
    await updateRestartPolicy(engine, app.id, restartPolicy);
    rollback.container = await readAppContainer(engine, app.id);

    // 7. The evidence, exactly as `msehome evidence` collects it.
    request.onPhase?.(`Collecting the evidence (collateral from ${pccs.baseUrl})`);
    workspace.wrote(paths.evidence);
    workspace.wrote(paths.certificate);
    const { evidence, fmspc } = await gatherEvidence(engine, app, pccs);
    await writeEvidence(evidence, paths.directory);

    const { directory, ...files } = paths;
    return {
      name: app.name,
      mode: app.mode,
      state: probe.state,
      appId: launch.appId,
      host: launch.san,
      sans: launch.extraSans,
      bind: hostIp,
      port: request.port,
      restartPolicy: formatRestartPolicy(restartPolicy),
      sizeMb: launch.sizeMb,
      application: launch.application,
      expiresAt: new Date(launch.expiration * 1000).toISOString(),
      image: { id: imageId, reference: tag },
      containerId: app.id,
      outputDir: directory,
      files: { ...files, signerKey: signerKeyFile },
      signerKeyGenerated: signerKeyPath === undefined,
      pccs: pccs.baseUrl,
      fmspc,
    };
  } catch (error) {
    await opened.close();
    // Another spawn took the name since it was checked: the name's image tag is that app's now.
    if (error instanceof ContainerNameTakenError) rollback.keepImage();
    const left = await rollback.undo();
    // An interruption surfaces as whatever the step was doing; say what happened instead.
    const failure = signal?.aborted ? (signal.reason as unknown) : explainNoSpace(error, paths.directory);
    if (left.length === 0) throw failure;
    throw new SpawnLeftoversError(left, failure);
  }
}

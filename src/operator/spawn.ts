// `msehome spawn NAME --host H --port P --size MB --package F --output DIR`: checks everything
// first, extracts the package into DIR, loads its image (streamed, id checked against the
// manifest), starts the app container (its code, signer key and simulated platform copied into its
// inputs volume through the Engine API), waits for the configuration server, and collects the
// evidence. A failure at any step removes what this spawn created: container, volumes, image tag,
// files.
import { randomUUID } from "node:crypto";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { type AppContainer, removeAppContainer, startAppContainer } from "../docker/appContainer.js";
import { connectDocker, type DockerEngine } from "../docker/engine.js";
import { ImageLoadError } from "../docker/errors.js";
import { inspectImage, removeImage, tagImage } from "../docker/images.js";
import { loadImage } from "../docker/imageTransfer.js";
import type { AppMode } from "../docker/appLabels.js";
import { isSimulationOnlyImage, SIMULATION_BASE_IMAGE } from "../model/baseImage.js";
import type { LaunchArguments } from "../model/launchArguments.js";
import { readMseToml } from "../model/mseToml.js";
import { extractPackage, extractPackageTests } from "../package/packageReader.js";
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
  /** DNS name or IP the certificate is issued for. */
  host: string;
  /** Host port the app is published on. */
  port: number;
  /** Address of the engine's machine the port is published on (default 127.0.0.1). */
  bind?: string;
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
  port: number;
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

  async undo(): Promise<void> {
    const attempt = async (step: () => Promise<unknown>): Promise<void> => {
      await step().catch(() => undefined);
    };
    if (this.container) {
      const app = this.container;
      await attempt(() => removeAppContainer(this.engine, app));
    }
    if (this.tag) {
      const tag = this.tag;
      await attempt(() => releaseAppImage(this.engine, tag));
    }
    if (this.loadedImage) {
      const id = this.loadedImage;
      await attempt(() => removeImage(this.engine, id, { ignoreMissing: true }));
    }
    await this.workspace.undo();
  }
}

/**
 * Makes the manifest's image available under the app's tag: loaded from image.tar (streamed)
 * unless the engine already holds it (ids are content digests: the same id is the same image).
 */
async function ensureImage(
  engine: DockerEngine,
  imageTar: string,
  imageId: string,
  tag: string,
  rollback: SpawnRollback,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (await inspectImage(engine, imageId)) {
    rollback.tag = tag;
    await tagImage(engine, imageId, tag);
    return;
  }
  const loaded = await loadImage(engine, imageTar, signal ? { signal } : {});
  if (!loaded.ids.includes(imageId)) {
    for (const reference of [...loaded.tags, ...loaded.ids]) {
      await removeImage(engine, reference, { ignoreMissing: true }).catch(() => undefined);
    }
    throw new ImageLoadError(
      `the package's image.tar holds ${loaded.ids.join(", ")}, not the image ${imageId} its manifest names`,
    );
  }
  rollback.loadedImage = imageId;
  rollback.tag = tag;
  await tagImage(engine, imageId, tag);
  // The package's own tag would keep the image alive after the app is removed: the app's tag replaces it.
  for (const packageTag of loaded.tags) {
    if (packageTag !== tag)
      await removeImage(engine, packageTag, { ignoreMissing: true }).catch(() => undefined);
  }
}

export async function spawnApp(request: SpawnRequest): Promise<SpawnResult> {
  const simulation = request.simulation !== undefined;
  const days = request.days ?? DEFAULT_CERTIFICATE_DAYS;
  const timeoutMs = request.timeoutMs ?? DEFAULT_APP_TIMEOUT_MS;
  const signal = request.signal;
  const hostIp = request.bind ?? "127.0.0.1";

  // 1. Everything that can be checked before doing anything.
  request.onPhase?.("Checking the inputs");
  checkSpawnValues({ ...request, days, timeoutMs, simulation });
  const paths = workspacePaths(request.outputDir);
  await checkPackageFile(request.packagePath);
  await checkWorkspace(paths, request.signerKeyPath);
  const signerKeyPath = request.signerKeyPath === undefined ? undefined : path.resolve(request.signerKeyPath);
  if (signerKeyPath) await readSignerKey(signerKeyPath);
  // The platform, and a PCCS that answers for it (else the spawn would fail at its very end).
  const pccs = await checkSpawnHost(request);
  const engine = request.engine ?? (await connectDocker());
  checkReachable(engine, hostIp);
  await checkNameFree(engine, request.name);
  await checkPortFree(engine, hostIp, request.port);

  const workspace = new WorkspaceRollback(paths);
  const rollback = new SpawnRollback(engine, workspace);
  try {
    // 2. The package, extracted beside its final place and checked against its manifest.
    request.onPhase?.(`Extracting ${path.basename(request.packagePath)}`);
    await workspace.createDirectory();
    const staging = path.join(paths.directory, `.spawn-${randomUUID()}`);
    workspace.wrote(staging);
    const extracted = await extractPackage(request.packagePath, staging);
    const config = await readMseToml(extracted.files["mse.toml"]);

    // 3. The image, streamed into the engine and held under the app's tag.
    const imageId = extracted.manifest.imageId;
    request.onPhase?.(`Loading the image ${imageId.slice("sha256:".length, "sha256:".length + 12)}`);
    const tag = appImageTag(request.name);
    signal?.throwIfAborted();
    await ensureImage(engine, extracted.files["image.tar"], imageId, tag, rollback, signal);
    signal?.throwIfAborted();
    const image = await inspectImage(engine, tag);
    if (!simulation && image && isSimulationOnlyImage(image)) {
      throw new OperatorInputError(
        `the package's image is built on the simulation-only base image (${SIMULATION_BASE_IMAGE}), which has no Gramine and cannot run on SGX hardware; the code provider must package the app on the SGX base image (msehome package without --simulation, after scripts/build-base-image.sh --sgx), or spawn it on a simulated platform with --simulation`,
      );
    }

    // 4. DIR: mse.toml and tests/ for `msehome test`.
    workspace.wrote(paths.tests);
    await extractPackageTests(extracted, paths.tests);
    workspace.wrote(paths.config);
    await rename(extracted.files["mse.toml"], paths.config);

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
        appTar: extracted.files["app.tar"],
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
      port: request.port,
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
    await rollback.undo();
    // An interruption surfaces as whatever the step was doing; say what happened instead.
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}

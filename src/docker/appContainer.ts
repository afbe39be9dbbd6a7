// An msehome app container: its labels, filesystem (appFilesystem: volumes, tmpfs, a read-only root),
// devices and port binding; created, started, read back, removed with its volumes; and the one-shot
// dry run that prints its measurement.
import path from "node:path";
import {
  APP_CONTAINER_INPUTS,
  APP_CONTAINER_LAYOUT,
  APP_CONTAINER_PORT,
} from "../model/appContainerLayout.js";
import {
  formatLaunchArguments,
  type LaunchArguments,
  parseLaunchArguments,
} from "../model/launchArguments.js";
import { dockerRestartPolicy, type RestartPolicy } from "../model/restartPolicy.js";
import { MSEHOME_VERSION } from "../version.js";
import {
  type AppInputs,
  type AppVolumes,
  appTmpfsMounts,
  appVolumeMounts,
  appVolumesOf,
  createAppVolumes,
  removeVolumes,
  VOLUME_APP_LABEL,
} from "./appFilesystem.js";
import { type AppLabels, type AppMode, appLabelsToDocker, parseAppLabels } from "./appLabels.js";
import {
  type ContainerInfo,
  type ContainerStatus,
  createNamedContainer,
  inspectContainer,
  removeContainer,
  startPublishedContainer,
} from "./container.js";
import {
  checkHostPort,
  type DeviceMapping,
  dockerDevices,
  dockerEnv,
  dockerMounts,
  dockerPortBinding,
  dockerTmpfs,
  type Mount,
} from "./containerConfig.js";
import { readContainerFile } from "./containerFiles.js";
import { simulatedEnclaveSecurityOptions } from "./enclaveSecurity.js";
import type { DockerEngine } from "./engine.js";
import { ContainerSpecError, NotAnAppContainerError } from "./errors.js";
import { ONE_SHOT_LABEL, type OneShotResult, runOneShotContainer } from "./oneShotContainer.js";

export { APP_CONTAINER_PORT } from "../model/appContainerLayout.js";

/** Host paths an app container is given on SGX hardware. */
export const APP_CONTAINER_PATHS = { aesmd: APP_CONTAINER_LAYOUT.aesmdDir } as const;

export const SGX_DEVICES: readonly DeviceMapping[] = [
  { pathOnHost: "/dev/sgx_enclave", pathInContainer: "/dev/sgx_enclave" },
  { pathOnHost: "/dev/sgx_provision", pathInContainer: "/dev/sgx_provision" },
];

export interface AppContainerSpec {
  /** Container name, which is the app's name for every later command. */
  name: string;
  /** Image reference (tag or id) loaded from the package. */
  image: string;
  /** The entrypoint arguments; `simulation` decides the mode. */
  launch: LaunchArguments;
  /** Host port on which the container's 443 is published. */
  port: number;
  /** Host address of the binding (default 127.0.0.1). */
  hostIp?: string;
  /** What the engine does when the app exits or the engine restarts (default `no`: spawn chooses). */
  restartPolicy?: RestartPolicy;
  /** app.tar, the signer key and (in simulation, required) the simulated platform, copied into the inputs volume. */
  inputs: AppInputs;
  /** The app's healthcheck path from mse.toml. */
  healthcheckEndpoint: string;
  /** Extra environment for the runtime. */
  env?: Record<string, string>;
  /** Recorded in the labels (default: this msehome's version). */
  version?: string;
}

/** What later commands know about an app: its labels, launch arguments and state, read from the container. */
export interface AppContainer {
  id: string;
  name: string;
  mode: AppMode;
  labels: AppLabels;
  launch: LaunchArguments;
  imageId: string;
  status: ContainerStatus;
  running: boolean;
  exitCode: number | null;
  /** The engine's error when the container could not run. */
  error: string;
  /** The kernel killed it for exceeding its memory (the engine's OOMKilled). */
  oomKilled: boolean;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Where the app's port is published. */
  binding: { hostIp: string; hostPort: number } | null;
  mounts: ContainerInfo["mounts"];
  devices: string[];
  restartPolicy: RestartPolicy;
  /** Restarts by the engine under the policy since the app was last started by hand. */
  restartCount: number;
}

function hostIpOf(spec: Pick<AppContainerSpec, "hostIp">): string {
  return spec.hostIp ?? "127.0.0.1";
}

function modeOf(launch: LaunchArguments): AppMode {
  return launch.simulation ? "simulation" : "sgx";
}

function checkSpec(spec: AppContainerSpec): void {
  checkHostPort(spec.port);
  if (modeOf(spec.launch) === "simulation" && !spec.inputs.simulationPlatformDir) {
    throw new ContainerSpecError("a simulation app container needs the simulated platform directory");
  }
}

/**
 * The Engine API create body of an app container with these volumes (exported so its shape can be
 * checked without an engine).
 */
export function appContainerCreateOptions(
  spec: AppContainerSpec,
  volumes: AppVolumes,
): Record<string, unknown> {
  checkSpec(spec);
  const mode = modeOf(spec.launch);
  const mounts: Mount[] = appVolumeMounts(volumes);
  let devices: DeviceMapping[] = [];
  if (mode === "sgx") {
    devices = [...SGX_DEVICES];
    const aesmd = APP_CONTAINER_LAYOUT.aesmdDir;
    mounts.push({ source: aesmd, target: aesmd, readOnly: false });
  }
  const labels: AppLabels = {
    name: spec.name,
    mode,
    sizeMb: spec.launch.sizeMb,
    host: spec.launch.san,
    port: spec.port,
    appId: spec.launch.appId,
    application: spec.launch.application,
    expiration: spec.launch.expiration,
    healthcheckEndpoint: spec.healthcheckEndpoint,
    version: spec.version ?? MSEHOME_VERSION,
    image: spec.image,
  };
  const { ExposedPorts, PortBindings } = dockerPortBinding(APP_CONTAINER_PORT, hostIpOf(spec), spec.port);
  return {
    name: spec.name,
    Image: spec.image,
    Cmd: formatLaunchArguments(spec.launch),
    Env: dockerEnv(spec.env),
    Labels: appLabelsToDocker(labels),
    ExposedPorts,
    Tty: false,
    HostConfig: {
      PortBindings,
      Mounts: dockerMounts(mounts),
      Tmpfs: dockerTmpfs(appTmpfsMounts()),
      ReadonlyRootfs: true,
      Devices: dockerDevices(devices),
      RestartPolicy: dockerRestartPolicy(spec.restartPolicy ?? { name: "no" }),
      ...(mode === "simulation"
        ? {
            SecurityOpt: simulatedEnclaveSecurityOptions({ subprocesses: spec.launch.subprocesses }),
            // No /dev/shm: an enclave has no writable shared memory filesystem either.
            IpcMode: "none",
          }
        : {}),
    },
  };
}

/** Creates (does not start) the app container and its volumes; nothing is left when it fails. */
export async function createAppContainer(
  engine: DockerEngine,
  spec: AppContainerSpec,
): Promise<AppContainer> {
  checkSpec(spec);
  const volumes = await createAppVolumes(engine, {
    prefix: spec.name,
    image: spec.image,
    inputs: spec.inputs,
    labels: { msehome: "1", [VOLUME_APP_LABEL]: spec.name },
    storage: true,
  });
  try {
    const id = await createNamedContainer(engine, {
      name: spec.name,
      ...appContainerCreateOptions(spec, volumes),
    });
    return await readAppContainer(engine, id);
  } catch (error) {
    await removeVolumes(engine, [volumes.inputs, volumes.storage ?? ""].filter(Boolean)).catch(
      () => undefined,
    );
    throw error;
  }
}

/**
 * Creates and starts the app container. When it cannot start (port taken, device missing), the
 * container and its volumes are removed again so nothing is left behind.
 */
export async function startAppContainer(engine: DockerEngine, spec: AppContainerSpec): Promise<AppContainer> {
  const created = await createAppContainer(engine, spec);
  try {
    await startPublishedContainer(engine, created.id, { hostIp: hostIpOf(spec), port: spec.port });
  } catch (error) {
    await removeVolumes(engine, await appVolumesOf(engine, created)).catch(() => undefined);
    throw error;
  }
  return readAppContainer(engine, created.id);
}

/** The enclave signer key the app was given (PEM), read from its inputs volume. */
export async function readAppSignerKey(engine: DockerEngine, app: AppContainer): Promise<string> {
  const file = path.posix.join(APP_CONTAINER_LAYOUT.inputDir, APP_CONTAINER_INPUTS.signerKey);
  try {
    return (await readContainerFile(engine, app.id, file)).toString("utf8");
  } catch (cause) {
    throw new Error(`the app "${app.name}" has no enclave signer key at ${file}`, { cause });
  }
}

/** Removes the app's container (even running) and the volumes it created: its storage goes too. */
export async function removeAppContainer(engine: DockerEngine, app: AppContainer): Promise<string[]> {
  const volumes = await appVolumesOf(engine, app);
  await removeContainer(engine, app.id, { force: true, ignoreMissing: true });
  await removeVolumes(engine, volumes);
  return volumes;
}

/**
 * Runs the image once with `--dry-run` and the given launch arguments (no port, no SGX device, the
 * app container's filesystem with app.tar in its inputs volume), returning its output
 * (`Measurement:\n    <hex>`): how `verify` recomputes MRENCLAVE. The volume is removed afterwards.
 */
export async function runAppDryRun(
  engine: DockerEngine,
  spec: {
    image: string;
    launch: LaunchArguments;
    appTar: string;
    env?: Record<string, string>;
    timeoutMs?: number;
  },
): Promise<OneShotResult> {
  const volumes = await createAppVolumes(engine, {
    prefix: "msehome-dry-run",
    image: spec.image,
    inputs: { appTar: spec.appTar },
    labels: { msehome: "1", [ONE_SHOT_LABEL]: "1" },
    storage: false,
  });
  try {
    return await runOneShotContainer(engine, {
      image: spec.image,
      command: formatLaunchArguments({ ...spec.launch, dryRun: true }),
      mounts: appVolumeMounts(volumes),
      tmpfs: appTmpfsMounts(),
      readOnlyRootfs: true,
      ...(spec.env ? { env: spec.env } : {}),
      ...(spec.timeoutMs ? { timeoutMs: spec.timeoutMs } : {}),
    });
  } finally {
    await removeVolumes(engine, [volumes.inputs]).catch(() => undefined);
  }
}

/** Reads a container as an msehome app; NotAnAppContainerError when its labels or command are not an app's. */
export function appContainerOf(info: ContainerInfo): AppContainer {
  let labels: AppLabels;
  let launch: LaunchArguments;
  try {
    labels = parseAppLabels(info.labels);
  } catch (error) {
    throw new NotAnAppContainerError(info.name, (error as Error).message);
  }
  try {
    launch = parseLaunchArguments(info.command);
  } catch (error) {
    throw new NotAnAppContainerError(
      info.name,
      `its command is not msehome-run's: ${(error as Error).message}`,
    );
  }
  const binding = info.portBindings.find((b) => b.containerPort === `${APP_CONTAINER_PORT}/tcp`);
  return {
    id: info.id,
    name: info.name,
    mode: labels.mode,
    labels,
    launch,
    imageId: info.imageId,
    status: info.status,
    running: info.running,
    exitCode: info.exitCode,
    error: info.error,
    oomKilled: info.oomKilled,
    createdAt: info.createdAt,
    startedAt: info.startedAt,
    finishedAt: info.finishedAt,
    binding: binding ? { hostIp: binding.hostIp, hostPort: binding.hostPort } : null,
    mounts: info.mounts,
    devices: info.devices,
    restartPolicy: info.restartPolicy,
    restartCount: info.restartCount,
  };
}

/** Inspects a container (by id or name) as an msehome app. */
export async function readAppContainer(engine: DockerEngine, idOrName: string): Promise<AppContainer> {
  return appContainerOf(await inspectContainer(engine, idOrName));
}

// An msehome app container: its labels, mounts, devices and port binding, created, started, read back.
import {
  formatLaunchArguments,
  type LaunchArguments,
  parseLaunchArguments,
} from "../model/launchArguments.js";
import { MSEHOME_VERSION } from "../version.js";
import { type AppLabels, type AppMode, appLabelsToDocker, parseAppLabels } from "./appLabels.js";
import {
  type ContainerInfo,
  type ContainerStatus,
  createNamedContainer,
  inspectContainer,
  startPublishedContainer,
} from "./container.js";
import {
  type BindMount,
  checkHostPath,
  checkHostPort,
  type DeviceMapping,
  dockerDevices,
  dockerEnv,
  dockerMounts,
  dockerPortBinding,
} from "./containerConfig.js";
import type { DockerEngine } from "./engine.js";
import { ContainerSpecError, NotAnAppContainerError } from "./errors.js";
import { type OneShotResult, runOneShotContainer } from "./oneShotContainer.js";

/** Where things live inside the app container. */
export const APP_CONTAINER_PATHS = {
  input: "/opt/input",
  signerKey: "/root/.config/gramine/enclave-key.pem",
  simulationPlatform: "/opt/msehome/sim-platform",
  aesmd: "/var/run/aesmd",
} as const;

/** The app (configuration server, then the app itself) listens on this port in the container. */
export const APP_CONTAINER_PORT = 443;

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
  /** Absolute host directory holding app.tar, mounted read-only at /opt/input. */
  inputDir: string;
  /** Absolute path of the enclave signer key (RSA-3072 PEM), mounted read-only. */
  signerKeyFile?: string;
  /** Absolute simulated-platform directory; required in simulation, mounted read-only. */
  simulationPlatformDir?: string;
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
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Where the app's port is published. */
  binding: { hostIp: string; hostPort: number } | null;
  mounts: ContainerInfo["mounts"];
  devices: string[];
}

function hostIpOf(spec: Pick<AppContainerSpec, "hostIp">): string {
  return spec.hostIp ?? "127.0.0.1";
}

function modeOf(launch: LaunchArguments): AppMode {
  return launch.simulation ? "simulation" : "sgx";
}

function appMounts(spec: Pick<AppContainerSpec, "inputDir" | "signerKeyFile">): BindMount[] {
  const mounts: BindMount[] = [{ source: spec.inputDir, target: APP_CONTAINER_PATHS.input, readOnly: true }];
  if (spec.signerKeyFile) {
    mounts.push({ source: spec.signerKeyFile, target: APP_CONTAINER_PATHS.signerKey, readOnly: true });
  }
  return mounts;
}

/** The Engine API create body of an app container (exported so its shape can be checked without an engine). */
export function appContainerCreateOptions(spec: AppContainerSpec): Record<string, unknown> {
  checkHostPath("input directory", spec.inputDir);
  checkHostPath("signer key", spec.signerKeyFile);
  checkHostPath("simulated platform directory", spec.simulationPlatformDir);
  checkHostPort(spec.port);
  const mode = modeOf(spec.launch);
  const mounts = appMounts(spec);
  let devices: DeviceMapping[] = [];
  if (mode === "simulation") {
    if (!spec.simulationPlatformDir) {
      throw new ContainerSpecError("a simulation app container needs the simulated platform directory");
    }
    mounts.push({
      source: spec.simulationPlatformDir,
      target: APP_CONTAINER_PATHS.simulationPlatform,
      readOnly: true,
    });
  } else {
    devices = [...SGX_DEVICES];
    mounts.push({ source: APP_CONTAINER_PATHS.aesmd, target: APP_CONTAINER_PATHS.aesmd, readOnly: false });
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
      Devices: dockerDevices(devices),
      RestartPolicy: { Name: "no" },
    },
  };
}

/** Creates (does not start) the app container. */
export async function createAppContainer(
  engine: DockerEngine,
  spec: AppContainerSpec,
): Promise<AppContainer> {
  const id = await createNamedContainer(engine, { name: spec.name, ...appContainerCreateOptions(spec) });
  return readAppContainer(engine, id);
}

/**
 * Creates and starts the app container. When it cannot start (port taken, device missing), the
 * container is removed again so nothing is left behind.
 */
export async function startAppContainer(engine: DockerEngine, spec: AppContainerSpec): Promise<AppContainer> {
  const created = await createAppContainer(engine, spec);
  await startPublishedContainer(engine, created.id, { hostIp: hostIpOf(spec), port: spec.port });
  return readAppContainer(engine, created.id);
}

/**
 * Runs the image once with `--dry-run` and the given launch arguments (no port, no SGX device),
 * returning its output (`Measurement:\n    <hex>`): how `verify` recomputes MRENCLAVE.
 */
export async function runAppDryRun(
  engine: DockerEngine,
  spec: {
    image: string;
    launch: LaunchArguments;
    inputDir: string;
    signerKeyFile?: string;
    env?: Record<string, string>;
    timeoutMs?: number;
  },
): Promise<OneShotResult> {
  checkHostPath("input directory", spec.inputDir);
  checkHostPath("signer key", spec.signerKeyFile);
  return runOneShotContainer(engine, {
    image: spec.image,
    command: formatLaunchArguments({ ...spec.launch, dryRun: true }),
    mounts: appMounts(spec),
    ...(spec.env ? { env: spec.env } : {}),
    ...(spec.timeoutMs ? { timeoutMs: spec.timeoutMs } : {}),
  });
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
    createdAt: info.createdAt,
    startedAt: info.startedAt,
    finishedAt: info.finishedAt,
    binding: binding ? { hostIp: binding.hostIp, hostPort: binding.hostPort } : null,
    mounts: info.mounts,
    devices: info.devices,
  };
}

/** Inspects a container (by id or name) as an msehome app. */
export async function readAppContainer(engine: DockerEngine, idOrName: string): Promise<AppContainer> {
  return appContainerOf(await inspectContainer(engine, idOrName));
}

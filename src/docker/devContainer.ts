// The development container of `msehome test-dev`: the app image run with `msehome-dev` (plain
// HTTP, no enclave), the code and the secret files mounted read-only where the enclave puts them.
import { createNamedContainer, startPublishedContainer } from "./container.js";
import {
  type BindMount,
  checkHostPath,
  checkHostPort,
  dockerEnv,
  dockerMounts,
  dockerPortBinding,
} from "./containerConfig.js";
import type { DockerEngine } from "./engine.js";
import { DockerEngineError } from "./errors.js";

/** Label on development containers (value: the app name), so leftovers can be found. */
export const DEV_CONTAINER_LABEL = "msehome.test-dev";

/** `msehome-dev` serves plain HTTP on this port in the container. */
export const DEV_CONTAINER_PORT = 5000;

/** Where `msehome-dev` finds the code and the secret files (the enclave's own paths). */
export const DEV_CONTAINER_PATHS = {
  app: "/opt/msehome/app",
  secrets: "/opt/msehome/secrets/secrets.json",
  sealedSecrets: "/opt/msehome/secrets/sealed_secrets.json",
} as const;

/** The base image's development entrypoint, found on the image's PATH. */
export const DEV_ENTRYPOINT = "msehome-dev";

export interface DevContainerSpec {
  /** Container name. */
  name: string;
  /** The app name, recorded in the label. */
  appName: string;
  image: string;
  /** `module:export` in the code directory. */
  application: string;
  /** Absolute host directory holding the code, mounted read-only. */
  codeDir: string;
  /** Absolute host path of the secrets JSON, mounted read-only when given. */
  secretsFile?: string;
  /** Absolute host path of the sealed secrets JSON (in clear: no enclave here), mounted read-only when given. */
  sealedSecretsFile?: string;
  /** Host port on which the container's port 5000 is published. */
  port: number;
  /** Host address of the binding (default 127.0.0.1). */
  hostIp?: string;
  env?: Record<string, string>;
}

export interface DevContainer {
  id: string;
  name: string;
  hostIp: string;
  port: number;
}

/** The Engine API create body of a development container (exported so its shape can be checked without an engine). */
export function devContainerCreateOptions(spec: DevContainerSpec): Record<string, unknown> {
  checkHostPath("code directory", spec.codeDir);
  checkHostPath("secrets file", spec.secretsFile);
  checkHostPath("sealed secrets file", spec.sealedSecretsFile);
  checkHostPort(spec.port);
  const mounts: BindMount[] = [{ source: spec.codeDir, target: DEV_CONTAINER_PATHS.app, readOnly: true }];
  if (spec.secretsFile) {
    mounts.push({ source: spec.secretsFile, target: DEV_CONTAINER_PATHS.secrets, readOnly: true });
  }
  if (spec.sealedSecretsFile) {
    mounts.push({
      source: spec.sealedSecretsFile,
      target: DEV_CONTAINER_PATHS.sealedSecrets,
      readOnly: true,
    });
  }
  const { ExposedPorts, PortBindings } = dockerPortBinding(
    DEV_CONTAINER_PORT,
    spec.hostIp ?? "127.0.0.1",
    spec.port,
  );
  return {
    name: spec.name,
    Image: spec.image,
    Entrypoint: [DEV_ENTRYPOINT],
    Cmd: ["--application", spec.application, "--port", String(DEV_CONTAINER_PORT)],
    Env: dockerEnv(spec.env),
    Labels: { [DEV_CONTAINER_LABEL]: spec.appName },
    ExposedPorts,
    Tty: false,
    HostConfig: {
      PortBindings,
      Mounts: dockerMounts(mounts),
      RestartPolicy: { Name: "no" },
    },
  };
}

/**
 * Creates and starts the development container. When it cannot start (port taken, entrypoint
 * missing), it is removed again so nothing is left behind.
 */
export async function startDevContainer(engine: DockerEngine, spec: DevContainerSpec): Promise<DevContainer> {
  const hostIp = spec.hostIp ?? "127.0.0.1";
  const id = await createNamedContainer(engine, { name: spec.name, ...devContainerCreateOptions(spec) });
  try {
    await startPublishedContainer(engine, id, { hostIp, port: spec.port });
  } catch (error) {
    if (error instanceof DockerEngineError && /executable file not found/i.test(error.engineMessage)) {
      throw new Error(
        `the image ${spec.image} has no ${DEV_ENTRYPOINT}: build it FROM the msehome base image (msehome/base:<version>)`,
        { cause: error },
      );
    }
    throw error;
  }
  return { id, name: spec.name, hostIp, port: spec.port };
}

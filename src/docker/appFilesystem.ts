// The app container's filesystem, as the enclave sees its own: a read-only root; tmpfs at the code,
// app, secrets, enclave and /tmp directories (model/appContainerLayout); the inputs volume, read-only,
// holding app.tar, the signer key and the simulated platform, copied through the Engine API (never
// bind-mounted from this machine, so the engine may be remote); the storage volume, the one place
// that outlives the container. On SGX hardware, aesmd's socket directory comes from the engine's host.
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import {
  APP_CONTAINER_INPUTS,
  APP_CONTAINER_LAYOUT,
  APP_CONTAINER_TMPFS,
} from "../model/appContainerLayout.js";
import type { Mount, TmpfsMount } from "./containerConfig.js";
import type { ContainerMount } from "./container.js";
import type { DockerEngine } from "./engine.js";
import {
  createVolume,
  fillVolume,
  removeVolume,
  uniqueVolumeName,
  type VolumeFile,
  volumeLabels,
} from "./volumes.js";

/** The files an app container is given, on this machine. */
export interface AppInputs {
  /** The code provider's app.tar. */
  appTar: string;
  /** The enclave signer key (RSA-3072 PEM); not needed for a dry run. */
  signerKey?: string;
  /** The simulated SGX platform directory (simulation only). */
  simulationPlatformDir?: string;
}

/** The volumes of one app container. */
export interface AppVolumes {
  inputs: string;
  /** Absent for a dry run, which keeps nothing. */
  storage?: string;
}

/** Labels of msehome's volumes: the app they belong to and their role. */
export const VOLUME_APP_LABEL = "msehome.app";
export const VOLUME_ROLE_LABEL = "msehome.volume";

const SIGNER_KEY_MODE = 0o600;

/** The inputs as files of the inputs volume; the simulated platform keeps its files' modes. */
async function inputFiles(inputs: AppInputs): Promise<VolumeFile[]> {
  const files: VolumeFile[] = [{ path: APP_CONTAINER_INPUTS.appTar, source: inputs.appTar, mode: 0o644 }];
  if (inputs.signerKey) {
    files.push({ path: APP_CONTAINER_INPUTS.signerKey, source: inputs.signerKey, mode: SIGNER_KEY_MODE });
  }
  if (inputs.simulationPlatformDir) {
    const walk = async (dir: string, inside: string): Promise<void> => {
      for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
        a.name < b.name ? -1 : 1,
      )) {
        const source = path.join(dir, entry.name);
        const target = `${inside}/${entry.name}`;
        if (entry.isDirectory()) await walk(source, target);
        else if (entry.isFile())
          files.push({ path: target, source, mode: (await stat(source)).mode & 0o777 });
      }
    };
    await walk(inputs.simulationPlatformDir, APP_CONTAINER_INPUTS.simulationPlatform);
  }
  return files;
}

/**
 * Creates the volumes of a container named `prefix`: the inputs volume, filled from this machine
 * through a container of `image`, and (unless `storage` is false) an empty storage volume. Fresh
 * names each time, so no earlier app's storage is ever reused. Removed again if anything fails.
 */
export async function createAppVolumes(
  engine: DockerEngine,
  options: {
    prefix: string;
    image: string;
    inputs: AppInputs;
    labels: Record<string, string>;
    storage: boolean;
  },
): Promise<AppVolumes> {
  const files = await inputFiles(options.inputs);
  const created: string[] = [];
  const create = async (role: "inputs" | "storage"): Promise<string> => {
    const name = uniqueVolumeName(options.prefix, role);
    await createVolume(engine, name, { ...options.labels, [VOLUME_ROLE_LABEL]: role });
    created.push(name);
    return name;
  };
  // The storage volume is created while the inputs are copied: each is a round trip to the engine.
  const [inputs, storage] = await Promise.allSettled([
    create("inputs").then(async (name) => {
      await fillVolume(engine, name, options.image, files);
      return name;
    }),
    options.storage ? create("storage") : Promise.resolve(undefined),
  ]);
  if (inputs.status === "rejected" || storage.status === "rejected") {
    await removeVolumes(engine, created);
    throw inputs.status === "rejected" ? inputs.reason : (storage as PromiseRejectedResult).reason;
  }
  return storage.value === undefined
    ? { inputs: inputs.value }
    : { inputs: inputs.value, storage: storage.value };
}

/** Removes volumes, ignoring those already gone; the first failure is thrown once all were tried. */
export async function removeVolumes(engine: DockerEngine, names: readonly string[]): Promise<void> {
  let failure: unknown;
  for (const name of names) {
    await removeVolume(engine, name, { ignoreMissing: true }).catch((error: unknown) => (failure ??= error));
  }
  if (failure !== undefined) throw failure;
}

/** The volumes a removed app container used that carry its name (never anyone else's). */
export async function appVolumesOf(
  engine: DockerEngine,
  app: { name: string; mounts: readonly ContainerMount[] },
): Promise<string[]> {
  const names: string[] = [];
  for (const mount of app.mounts) {
    if (mount.type !== "volume" || !mount.name) continue;
    const labels = await volumeLabels(engine, mount.name);
    if (labels?.[VOLUME_APP_LABEL] === app.name) names.push(mount.name);
  }
  return names;
}

/** The container's mounts: inputs read-only at /opt/input, storage read-write at the storage directory. */
export function appVolumeMounts(volumes: AppVolumes): Mount[] {
  const mounts: Mount[] = [{ volume: volumes.inputs, target: APP_CONTAINER_LAYOUT.inputDir, readOnly: true }];
  if (volumes.storage) {
    mounts.push({ volume: volumes.storage, target: APP_CONTAINER_LAYOUT.storageDir, readOnly: false });
  }
  return mounts;
}

/** The enclave's in-memory directories; the app may map its own files executable (native addons). */
export function appTmpfsMounts(): TmpfsMount[] {
  return APP_CONTAINER_TMPFS.map((target) => ({
    target,
    mode:
      target === APP_CONTAINER_LAYOUT.secretsDir
        ? 0o700
        : target === APP_CONTAINER_LAYOUT.tmpDir
          ? 0o1777
          : 0o755,
    ...(target === APP_CONTAINER_LAYOUT.appDir ? { exec: true } : {}),
  }));
}

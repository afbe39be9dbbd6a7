// Docker volumes of msehome's containers: created with labels, filled through the Engine API (a tar
// put into a short-lived container that mounts the volume, never started), removed. Nothing relies
// on the engine seeing this machine's files, so the engine may be remote.
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pack as tarPack } from "tar-stream";
import { removeContainer } from "./container.js";
import type { DockerEngine } from "./engine.js";
import { DockerNotFoundError } from "./errors.js";
import { ONE_SHOT_LABEL } from "./oneShotContainer.js";

/** A file copied into a volume: its path there, the local file and the mode it gets. */
export interface VolumeFile {
  path: string;
  source: string;
  mode: number;
}

/** Where the short-lived container mounts the volume it fills. */
const FILL_TARGET = "/msehome-volume";

/** A fresh volume name: the prefix (a container or app name) and a random suffix, never reused. */
export function uniqueVolumeName(prefix: string, role: string): string {
  return `${prefix}-${role}-${randomBytes(4).toString("hex")}`;
}

export async function createVolume(
  engine: DockerEngine,
  name: string,
  labels: Record<string, string>,
): Promise<void> {
  await engine.call(`creating volume ${name}`, (api) => api.createVolume({ Name: name, Labels: labels }));
}

/** The volume's labels; undefined when there is no such volume. */
export async function volumeLabels(
  engine: DockerEngine,
  name: string,
): Promise<Record<string, string> | undefined> {
  try {
    const info = (await engine.call(`inspecting volume ${name}`, (api) => api.getVolume(name).inspect())) as {
      Labels?: Record<string, string> | null;
    };
    return info.Labels ?? {};
  } catch (error) {
    if (error instanceof DockerNotFoundError) return undefined;
    throw error;
  }
}

/** Names of the volumes carrying every given `key=value` label. */
export async function listVolumesByLabel(
  engine: DockerEngine,
  labels: Record<string, string>,
): Promise<string[]> {
  const filters = { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) };
  const list = (await engine.call("listing volumes", (api) => api.listVolumes({ filters }))) as {
    Volumes?: { Name: string }[] | null;
  };
  return (list.Volumes ?? []).map((volume) => volume.Name).sort();
}

export async function removeVolume(
  engine: DockerEngine,
  name: string,
  options: { ignoreMissing?: boolean } = {},
): Promise<void> {
  try {
    await engine.call(`removing volume ${name}`, (api) => api.getVolume(name).remove());
  } catch (error) {
    if (options.ignoreMissing && error instanceof DockerNotFoundError) return;
    throw error;
  }
}

/** The files as a tar (parent directories first, owned by root), streamed from disk. */
function volumeArchive(files: readonly VolumeFile[]): Readable {
  const pack = tarPack();
  void (async () => {
    try {
      const directories = new Set<string>();
      for (const file of files) {
        const parts = file.path.split("/").slice(0, -1);
        for (let i = 1; i <= parts.length; i++) {
          const directory = parts.slice(0, i).join("/");
          if (directories.has(directory)) continue;
          directories.add(directory);
          pack.entry({ name: directory, type: "directory", mode: 0o755, uid: 0, gid: 0 });
        }
        const { size } = await stat(file.source);
        const entry = pack.entry({ name: file.path, size, mode: file.mode, uid: 0, gid: 0 });
        await pipeline(createReadStream(file.source), entry);
      }
      pack.finalize();
    } catch (error) {
      pack.destroy(error as Error);
    }
  })();
  return pack as unknown as Readable;
}

/**
 * Copies the files into the volume: a container of `image` mounting the volume is created (not
 * started), the archive is put into it, and the container is removed.
 */
export async function fillVolume(
  engine: DockerEngine,
  volume: string,
  image: string,
  files: readonly VolumeFile[],
): Promise<void> {
  for (const file of files) {
    if (file.path.startsWith("/") || file.path.split("/").includes("..")) {
      throw new Error(`volume file paths must stay inside the volume, not "${file.path}"`);
    }
  }
  const { id } = await engine.call(`creating a container to fill volume ${volume}`, (api) =>
    api.createContainer({
      Image: image,
      Labels: { [ONE_SHOT_LABEL]: "1" },
      NetworkDisabled: true,
      HostConfig: { Mounts: [{ Type: "volume", Source: volume, Target: FILL_TARGET, ReadOnly: false }] },
    }),
  );
  try {
    await engine.request(`copying files into volume ${volume}`, {
      path: `/containers/${encodeURIComponent(id)}/archive?`,
      method: "PUT",
      options: { path: FILL_TARGET, noOverwriteDirNonDir: "true" },
      file: volumeArchive(files),
      headers: { "Content-Type": "application/x-tar" },
      statusCodes: {
        200: true,
        400: "bad parameter",
        403: "permission denied",
        404: "no such container",
        500: "server error",
      },
    });
  } finally {
    await removeContainer(engine, id, { force: true, ignoreMissing: true });
  }
}

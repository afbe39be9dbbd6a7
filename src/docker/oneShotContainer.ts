// Runs a container to completion and returns its exit code and output; the container is always removed.
import type { Readable } from "node:stream";
import { removeContainer, startContainer, waitForExit } from "./container.js";
import {
  type DeviceMapping,
  dockerDevices,
  dockerEnv,
  dockerMounts,
  dockerTmpfs,
  type Mount,
  type TmpfsMount,
} from "./containerConfig.js";
import type { DockerEngine } from "./engine.js";
import { ContainerTimeoutError } from "./errors.js";
import { demultiplex } from "./multiplexedStream.js";

/** Label on one-shot containers, so a crashed msehome's leftovers can be found. */
export const ONE_SHOT_LABEL = "msehome.one-shot";

export interface OneShotOptions {
  image: string;
  /** Overrides the image's entrypoint. */
  entrypoint?: string[];
  /** Arguments to the entrypoint. */
  command?: string[];
  env?: Record<string, string>;
  mounts?: Mount[];
  tmpfs?: TmpfsMount[];
  /** Nothing but the mounts is writable. */
  readOnlyRootfs?: boolean;
  devices?: DeviceMapping[];
  labels?: Record<string, string>;
  /** Kill and remove the container after this long (default 10 minutes). */
  timeoutMs?: number;
  /** Keep at most this many bytes of each stream (default 8 MiB); the rest is dropped and flagged. */
  maxOutputBytes?: number;
}

export interface OneShotResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** True when an output stream exceeded maxOutputBytes. */
  truncated: boolean;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_MAX_OUTPUT = 8 * 1024 * 1024;

export async function runOneShotContainer(
  engine: DockerEngine,
  options: OneShotOptions,
): Promise<OneShotResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const created = await engine.call(`creating a container from ${options.image}`, (api) =>
    api.createContainer({
      Image: options.image,
      ...(options.entrypoint ? { Entrypoint: options.entrypoint } : {}),
      ...(options.command ? { Cmd: options.command } : {}),
      Env: dockerEnv(options.env),
      Labels: { ...options.labels, [ONE_SHOT_LABEL]: "1" },
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      OpenStdin: false,
      NetworkDisabled: false,
      HostConfig: {
        Mounts: dockerMounts(options.mounts ?? []),
        Tmpfs: dockerTmpfs(options.tmpfs ?? []),
        ReadonlyRootfs: options.readOnlyRootfs ?? false,
        Devices: dockerDevices(options.devices ?? []),
      },
    }),
  );
  const id = created.id;
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    // Attach before starting so no early output is lost.
    const output = await engine.request<Readable>(`attaching to container ${id}`, {
      path: `/containers/${id}/attach?`,
      method: "POST",
      isStream: true,
      options: { stream: true, stdout: true, stderr: true },
      statusCodes: { 200: true, 404: "no such container", 500: "server error" },
    });
    const collected = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    const sizes = { stdout: 0, stderr: 0 };
    let truncated = false;
    const collecting = (async () => {
      for await (const chunk of demultiplex(output)) {
        const room = maxOutput - sizes[chunk.stream];
        if (room <= 0) {
          truncated = true;
          continue;
        }
        const data = chunk.data.length > room ? chunk.data.subarray(0, room) : chunk.data;
        if (data.length < chunk.data.length) truncated = true;
        collected[chunk.stream].push(Buffer.from(data));
        sizes[chunk.stream] += data.length;
      }
    })();
    await startContainer(engine, id);
    let exitCode: number;
    try {
      ({ exitCode } = await waitForExit(engine, id, { signal: timeout }));
    } catch (error) {
      output.destroy();
      await collecting.catch(() => undefined);
      if (timeout.aborted) throw new ContainerTimeoutError(options.image, timeoutMs);
      throw error;
    }
    await collecting;
    return {
      exitCode,
      stdout: Buffer.concat(collected.stdout).toString("utf8"),
      stderr: Buffer.concat(collected.stderr).toString("utf8"),
      truncated,
    };
  } finally {
    await removeContainer(engine, id, { force: true, ignoreMissing: true });
  }
}

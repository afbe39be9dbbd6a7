// `msehome logs NAME [--follow]`: the app container's output, stdout and stderr kept apart.
import type { Writable } from "node:stream";
import { getAppContainer } from "../docker/appContainerLookup.js";
import { pipeContainerLogs } from "../docker/containerLogs.js";
import { connectDocker, type DockerEngine } from "../docker/engine.js";

export interface LogsRequest {
  name: string;
  /** Keep printing new output until the container stops or `signal` aborts. */
  follow?: boolean;
  /** Only the last N lines. */
  tail?: number;
  stdout: Writable;
  stderr: Writable;
  signal?: AbortSignal;
  engine?: DockerEngine;
}

export async function appLogs(request: LogsRequest): Promise<void> {
  const engine = request.engine ?? (await connectDocker());
  const app = await getAppContainer(engine, request.name);
  await pipeContainerLogs(
    engine,
    app.id,
    { stdout: request.stdout, stderr: request.stderr },
    {
      follow: request.follow === true,
      ...(request.tail !== undefined ? { tail: request.tail } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    },
  );
}

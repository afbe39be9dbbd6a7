// A container's logs, streamed and split into stdout and stderr; optionally followed until it stops.
import { once } from "node:events";
import type { Readable, Writable } from "node:stream";
import { inspectContainer } from "./container.js";
import type { DockerEngine } from "./engine.js";
import { demultiplex, type OutputChunk } from "./multiplexedStream.js";

export interface LogOptions {
  /** Keep streaming new output until the container stops or `signal` aborts. */
  follow?: boolean;
  /** Only the last N lines (default: all). */
  tail?: number;
  /** Prefix each line with the engine's RFC 3339 timestamp. */
  timestamps?: boolean;
  signal?: AbortSignal;
}

/** The container's output as chunks tagged stdout/stderr, pulled from the engine as they are consumed. */
export async function* containerLogs(
  engine: DockerEngine,
  id: string,
  options: LogOptions = {},
): AsyncGenerator<OutputChunk> {
  const { tty } = await inspectContainer(engine, id);
  const body = await engine.request<Readable>(`reading the logs of container ${id}`, {
    path: `/containers/${encodeURIComponent(id)}/logs?`,
    method: "GET",
    isStream: true,
    options: {
      stdout: true,
      stderr: true,
      follow: options.follow ?? false,
      tail: options.tail === undefined ? "all" : String(options.tail),
      timestamps: options.timestamps ?? false,
    },
    statusCodes: { 200: true, 404: "no such container", 500: "server error" },
  });
  const stop = (): void => {
    body.destroy();
  };
  options.signal?.addEventListener("abort", stop, { once: true });
  try {
    for await (const chunk of demultiplex(body, tty)) yield chunk;
  } catch (error) {
    // Aborting a follow is the normal way to end it.
    if (!options.signal?.aborted) throw error;
  } finally {
    options.signal?.removeEventListener("abort", stop);
    body.destroy();
  }
}

/** Copies the logs into two writable streams, honouring their backpressure. */
export async function pipeContainerLogs(
  engine: DockerEngine,
  id: string,
  sinks: { stdout: Writable; stderr: Writable },
  options: LogOptions = {},
): Promise<void> {
  for await (const chunk of containerLogs(engine, id, options)) {
    const sink = chunk.stream === "stderr" ? sinks.stderr : sinks.stdout;
    if (!sink.write(chunk.data)) await once(sink, "drain");
  }
}

/** The last lines of the logs as text (stdout and stderr interleaved as written), e.g. to show why an app died. */
export async function readContainerLogs(engine: DockerEngine, id: string, tail = 200): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of containerLogs(engine, id, { tail })) parts.push(chunk.data);
  return Buffer.concat(parts).toString("utf8");
}

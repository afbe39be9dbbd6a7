// Any container as typed values (inspect), and its lifecycle: start, stop, restart, remove, wait for exit.
import { z } from "zod";
import { dockerRestartPolicy, type RestartPolicy, restartPolicyFromDocker } from "../model/restartPolicy.js";
import type { DockerEngine } from "./engine.js";
import {
  ContainerNameTakenError,
  DockerEngineError,
  DockerNotFoundError,
  PortUnavailableError,
} from "./errors.js";

export type ContainerStatus =
  "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";

export interface PortBinding {
  /** e.g. "443/tcp". */
  containerPort: string;
  hostIp: string;
  hostPort: number;
}

export interface ContainerMount {
  type: string;
  source: string;
  target: string;
  readOnly: boolean;
  /** A volume's name. */
  name?: string;
}

export interface ContainerInfo {
  id: string;
  name: string;
  imageId: string;
  status: ContainerStatus;
  running: boolean;
  /** Set once the container has exited (and while the engine restarts it: the exit that made it restart). */
  exitCode: number | null;
  /** The engine's error for a container that could not run (e.g. a missing device). */
  error: string;
  oomKilled: boolean;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  labels: Record<string, string>;
  entrypoint: string[];
  /** The arguments given to the entrypoint. */
  command: string[];
  tty: boolean;
  /** Configured host bindings (present even while the container is stopped). */
  portBindings: PortBinding[];
  mounts: ContainerMount[];
  devices: string[];
  /** HostConfig.RestartPolicy (`no` for a container created without one). */
  restartPolicy: RestartPolicy;
  /** How many times the engine restarted it under its policy since it was last started by hand. */
  restartCount: number;
}

/** Docker writes this for "never". */
const ZERO_TIME = /^0001-01-01T/;

const dateOrNull = z
  .string()
  .optional()
  .transform((value) => (!value || ZERO_TIME.test(value) ? null : new Date(value)));

const stringList = z
  .union([z.array(z.string()), z.string(), z.null()])
  .optional()
  .transform((value) => (value == null ? [] : Array.isArray(value) ? value : [value]));

const inspectSchema = z.object({
  Id: z.string(),
  Name: z.string(),
  Image: z.string(),
  Created: z.string(),
  RestartCount: z.number().int().optional().default(0),
  State: z.object({
    Status: z.enum(["created", "running", "paused", "restarting", "removing", "exited", "dead"]),
    Running: z.boolean(),
    ExitCode: z.number().int(),
    Error: z.string().optional().default(""),
    OOMKilled: z.boolean().optional().default(false),
    StartedAt: dateOrNull,
    FinishedAt: dateOrNull,
  }),
  Config: z.object({
    Labels: z.record(z.string(), z.string()).nullable().optional(),
    Entrypoint: stringList,
    Cmd: stringList,
    Tty: z.boolean().optional().default(false),
  }),
  HostConfig: z.object({
    PortBindings: z
      .record(
        z.string(),
        z.array(z.object({ HostIp: z.string().optional(), HostPort: z.string().optional() })).nullable(),
      )
      .nullable()
      .optional(),
    Devices: z
      .array(z.object({ PathOnHost: z.string(), PathInContainer: z.string() }))
      .nullable()
      .optional(),
    RestartPolicy: z
      .object({ Name: z.string().optional(), MaximumRetryCount: z.number().int().optional() })
      .nullable()
      .optional(),
  }),
  Mounts: z
    .array(
      z.object({
        Type: z.string(),
        Name: z.string().optional(),
        Source: z.string(),
        Destination: z.string(),
        RW: z.boolean(),
      }),
    )
    .nullable()
    .optional(),
});

/** Inspects a container by id or name; undefined when there is none. */
export async function findContainer(
  engine: DockerEngine,
  idOrName: string,
): Promise<ContainerInfo | undefined> {
  try {
    return await inspectContainer(engine, idOrName);
  } catch (error) {
    if (error instanceof DockerNotFoundError) return undefined;
    throw error;
  }
}

/** Inspects a container by id or name; DockerNotFoundError when there is none. */
export async function inspectContainer(engine: DockerEngine, idOrName: string): Promise<ContainerInfo> {
  const raw: unknown = await engine.call(`inspecting container ${idOrName}`, (api) =>
    api.getContainer(idOrName).inspect(),
  );
  const parsed = inspectSchema.safeParse(raw);
  if (!parsed.success) {
    throw new DockerEngineError(
      `inspecting container ${idOrName}`,
      undefined,
      `unexpected answer from the engine (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})`,
    );
  }
  const c = parsed.data;
  const bindings: PortBinding[] = [];
  for (const [containerPort, hosts] of Object.entries(c.HostConfig.PortBindings ?? {})) {
    for (const host of hosts ?? []) {
      bindings.push({ containerPort, hostIp: host.HostIp ?? "", hostPort: Number(host.HostPort ?? 0) });
    }
  }
  return {
    id: c.Id,
    name: c.Name.replace(/^\//, ""),
    imageId: c.Image,
    status: c.State.Status,
    running: c.State.Running,
    exitCode: ["exited", "dead", "restarting"].includes(c.State.Status) ? c.State.ExitCode : null,
    error: c.State.Error,
    oomKilled: c.State.OOMKilled,
    createdAt: new Date(c.Created),
    startedAt: c.State.StartedAt,
    finishedAt: c.State.FinishedAt,
    labels: c.Config.Labels ?? {},
    entrypoint: c.Config.Entrypoint,
    command: c.Config.Cmd,
    tty: c.Config.Tty,
    portBindings: bindings,
    mounts: (c.Mounts ?? []).map((m) => ({
      type: m.Type,
      source: m.Source,
      target: m.Destination,
      readOnly: !m.RW,
      ...(m.Name ? { name: m.Name } : {}),
    })),
    devices: (c.HostConfig.Devices ?? []).map((d) => `${d.PathOnHost}:${d.PathInContainer}`),
    restartPolicy: restartPolicyFromDocker(c.HostConfig.RestartPolicy),
    restartCount: c.RestartCount,
  };
}

/** Ids (short names) of containers carrying every given `key=value` label, running or not. */
export async function listContainersByLabel(
  engine: DockerEngine,
  labels: Record<string, string>,
): Promise<{ id: string; name: string }[]> {
  const filters = { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) };
  const list = await engine.call("listing containers", (api) => api.listContainers({ all: true, filters }));
  return list
    .map((c) => ({ id: c.Id, name: (c.Names?.[0] ?? c.Id).replace(/^\//, "") }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Creates a container from an Engine API create body; a name already taken is ContainerNameTakenError. */
export async function createNamedContainer(
  engine: DockerEngine,
  body: { name: string } & Record<string, unknown>,
): Promise<string> {
  try {
    const { id } = await engine.call(`creating container ${body.name}`, (api) => api.createContainer(body));
    return id;
  } catch (error) {
    if (error instanceof DockerEngineError && error.statusCode === 409)
      throw new ContainerNameTakenError(body.name);
    throw error;
  }
}

/**
 * Starts a container that publishes `binding`. When it cannot start (port taken, device or
 * entrypoint missing), it is removed again so nothing is left behind; a taken port is
 * PortUnavailableError, anything else the engine's error.
 */
export async function startPublishedContainer(
  engine: DockerEngine,
  id: string,
  binding: { hostIp: string; port: number },
): Promise<void> {
  try {
    await startContainer(engine, id);
  } catch (error) {
    await removeContainer(engine, id, { force: true, ignoreMissing: true });
    if (
      error instanceof DockerEngineError &&
      /port is already allocated|address already in use/i.test(error.engineMessage)
    ) {
      throw new PortUnavailableError(binding.hostIp, binding.port, "already in use");
    }
    throw error;
  }
}

export async function startContainer(engine: DockerEngine, id: string): Promise<void> {
  await engine.request(`starting container ${id}`, {
    path: `/containers/${encodeURIComponent(id)}/start`,
    method: "POST",
    statusCodes: { 204: true, 304: true, 404: "no such container", 500: "server error" },
  });
}

/** Stops a container (SIGTERM, then SIGKILL after the grace period); a stopped one is left as is. */
export async function stopContainer(engine: DockerEngine, id: string, graceSeconds = 10): Promise<void> {
  await engine.request(`stopping container ${id}`, {
    path: `/containers/${encodeURIComponent(id)}/stop?`,
    method: "POST",
    options: { t: graceSeconds },
    statusCodes: { 204: true, 304: true, 404: "no such container", 500: "server error" },
  });
}

/** Gives a container, even a running one, another restart policy (what `docker update --restart` does). */
export async function updateRestartPolicy(
  engine: DockerEngine,
  id: string,
  policy: RestartPolicy,
): Promise<void> {
  await engine.call(`setting the restart policy of container ${id}`, (api) =>
    api.getContainer(id).update({ RestartPolicy: dockerRestartPolicy(policy) }),
  );
}

export async function restartContainer(engine: DockerEngine, id: string, graceSeconds = 10): Promise<void> {
  await engine.request(`restarting container ${id}`, {
    path: `/containers/${encodeURIComponent(id)}/restart?`,
    method: "POST",
    options: { t: graceSeconds },
    statusCodes: { 204: true, 404: "no such container", 500: "server error" },
  });
}

/** Removes a container (force: even running) and its anonymous volumes; `ignoreMissing` makes it idempotent. */
export async function removeContainer(
  engine: DockerEngine,
  id: string,
  options: { force?: boolean; ignoreMissing?: boolean } = {},
): Promise<void> {
  try {
    await engine.request(`removing container ${id}`, {
      path: `/containers/${encodeURIComponent(id)}?`,
      method: "DELETE",
      options: { force: options.force ?? false, v: true },
      statusCodes: {
        204: true,
        400: "bad parameter",
        404: "no such container",
        409: "conflict",
        500: "server error",
      },
    });
  } catch (error) {
    if (options.ignoreMissing && error instanceof DockerNotFoundError) return;
    // A removal already under way (e.g. AutoRemove) is as good as done.
    if (
      options.ignoreMissing &&
      error instanceof DockerEngineError &&
      /already in progress/.test(error.engineMessage)
    ) {
      return;
    }
    throw error;
  }
}

/**
 * Resolves with the exit code once the container is not running (immediately if it already is
 * not). The signal aborts the wait only, not the container.
 */
export async function waitForExit(
  engine: DockerEngine,
  id: string,
  options: { signal?: AbortSignal } = {},
): Promise<{ exitCode: number }> {
  const result = await engine.request<{ StatusCode?: number; Error?: { Message?: string } | null }>(
    `waiting for container ${id}`,
    {
      path: `/containers/${encodeURIComponent(id)}/wait?`,
      method: "POST",
      options: { condition: "not-running" },
      abortSignal: options.signal,
      statusCodes: { 200: true, 400: "bad parameter", 404: "no such container", 500: "server error" },
    },
  );
  if (result.Error?.Message) {
    throw new DockerEngineError(`waiting for container ${id}`, undefined, result.Error.Message);
  }
  return { exitCode: result.StatusCode ?? -1 };
}

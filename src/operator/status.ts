// `msehome status NAME…`: what each app is and what it is doing, read from its container, probed
// from the app and, while it runs, its resource use from the engine (never from a local cache).
import type { AppContainer } from "../docker/appContainer.js";
import { getAppContainer } from "../docker/appContainerLookup.js";
import type { AppMode } from "../docker/appLabels.js";
import { type ContainerStats, readContainerStats } from "../docker/containerStats.js";
import { connectDocker, type DockerEngine } from "../docker/engine.js";
import { formatRestartPolicy } from "../model/restartPolicy.js";
import { type AppOutcome, forEachApp } from "./appBatch.js";
import { appEndpoint } from "./appEndpoint.js";
import { type AppState, probeApp } from "./appState.js";

export interface AppStatus {
  name: string;
  /** The Docker engine the app runs on ("ssh://op@sgx-1", "unix:///var/run/docker.sock"). */
  engine: string;
  mode: AppMode;
  state: AppState;
  /** Why the app is in that state, in a few words. */
  detail: string;
  /** The container's exit code once it has exited (null while it runs or never ran). */
  exitCode: number | null;
  /** The kernel killed the container for exceeding its memory. */
  oomKilled: boolean;
  /** Enclave size in MB. */
  sizeMb: number;
  /** The certificate's host name (spawn's --host). */
  host: string;
  /** The certificate's further names (spawn's --san). */
  sans: string[];
  port: number;
  /** Where the port is published, as reached from this machine. */
  address: string;
  /** The host address the port is published on (spawn's --bind), as the engine has it. */
  bind: string;
  /** The restart policy, as spawn's --restart writes it (`no` for apps spawned before there was one). */
  restartPolicy: string;
  /** How often the engine restarted the app under its policy since it was last started by hand. */
  restartCount: number;
  /** Seconds since the container last started, while it runs; null otherwise. */
  uptimeSeconds: number | null;
  /** Resource use while it runs (when asked for and the engine tells); null otherwise. */
  resources: ContainerStats | null;
  healthcheckEndpoint: string;
  appId: string;
  application: string;
  image: string;
  imageId: string;
  containerId: string;
  /** The msehome version that spawned it. */
  version: string;
  createdAt: string;
  /** Last start of the container, ISO 8601; null when never started. */
  startedAt: string | null;
  /** When the RA-TLS certificate expires, ISO 8601. */
  expiresAt: string;
  /** Whole days until then (negative once expired). */
  daysLeft: number;
}

const DAY_MS = 86_400_000;

/** Resource use, when the engine has figures; a failure to read them never hides the status. */
async function resourcesOf(engine: DockerEngine, app: AppContainer): Promise<ContainerStats | null> {
  if (!app.running) return null;
  try {
    return (await readContainerStats(engine, app.id)) ?? null;
  } catch {
    return null;
  }
}

/**
 * The status of one app container, probing the app when it runs; with `resources`, its resource
 * use too (one stats request per app: list leaves it out).
 */
export async function describeApp(
  engine: DockerEngine,
  app: AppContainer,
  now: Date = new Date(),
  options: { resources?: boolean } = {},
): Promise<AppStatus> {
  const [probe, resources] = await Promise.all([
    probeApp(app, { reach: engine.reach }),
    options.resources ? resourcesOf(engine, app) : Promise.resolve(null),
  ]);
  const endpoint = appEndpoint(app, engine.reach);
  const expiresMs = app.labels.expiration * 1000;
  return {
    name: app.name,
    engine: engine.description,
    mode: app.mode,
    state: probe.state,
    detail: probe.detail,
    exitCode: app.running ? null : app.exitCode,
    oomKilled: app.oomKilled,
    sizeMb: app.labels.sizeMb,
    host: app.labels.host,
    sans: [...app.launch.extraSans],
    port: app.labels.port,
    address: endpoint.where ?? `${endpoint.address}:${endpoint.port}`,
    bind: app.binding?.hostIp || "127.0.0.1",
    restartPolicy: formatRestartPolicy(app.restartPolicy),
    restartCount: app.restartCount,
    uptimeSeconds:
      app.running && app.startedAt
        ? Math.max(0, Math.floor((now.getTime() - app.startedAt.getTime()) / 1000))
        : null,
    resources,
    healthcheckEndpoint: app.labels.healthcheckEndpoint,
    appId: app.labels.appId,
    application: app.labels.application,
    image: app.labels.image,
    imageId: app.imageId,
    containerId: app.id,
    version: app.labels.version,
    createdAt: app.createdAt.toISOString(),
    startedAt: app.startedAt?.toISOString() ?? null,
    expiresAt: new Date(expiresMs).toISOString(),
    daysLeft: Math.floor((expiresMs - now.getTime()) / DAY_MS),
  };
}

export async function appStatus(request: { name: string; engine?: DockerEngine }): Promise<AppStatus> {
  const engine = request.engine ?? (await connectDocker());
  return describeApp(engine, await getAppContainer(engine, request.name), new Date(), { resources: true });
}

/** The status of each named app, all probed at once; an app that cannot be read is its outcome's error. */
export async function appStatuses(request: {
  names: readonly string[];
  engine?: DockerEngine;
}): Promise<AppOutcome<AppStatus>[]> {
  const engine = request.engine ?? (await connectDocker());
  return forEachApp(request.names, (name) => appStatus({ name, engine }));
}

// `msehome status NAME`: what the app is and what it is doing, read from its container and probed
// from the app (never from a local cache).
import type { AppContainer } from "../docker/appContainer.js";
import { getAppContainer } from "../docker/appContainerLookup.js";
import type { AppMode } from "../docker/appLabels.js";
import { connectDocker, type DockerEngine } from "../docker/engine.js";
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
  /** Enclave size in MB. */
  sizeMb: number;
  /** The certificate's host name (spawn's --host). */
  host: string;
  port: number;
  /** Where the port is published, as reached from this machine. */
  address: string;
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

/** The status of one app container, probing the app when it runs. */
export async function describeApp(
  engine: DockerEngine,
  app: AppContainer,
  now: Date = new Date(),
): Promise<AppStatus> {
  const probe = await probeApp(app, { reach: engine.reach });
  const endpoint = appEndpoint(app, engine.reach);
  const expiresMs = app.labels.expiration * 1000;
  return {
    name: app.name,
    engine: engine.description,
    mode: app.mode,
    state: probe.state,
    detail: probe.detail,
    sizeMb: app.labels.sizeMb,
    host: app.labels.host,
    port: app.labels.port,
    address: endpoint.where ?? `${endpoint.address}:${endpoint.port}`,
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
  return describeApp(engine, await getAppContainer(engine, request.name));
}

// What a spawned app is doing, probed from the app itself: initializing, waiting for secrets,
// running, error or stopped. The container says whether it runs; the app's answer says the rest.
import type { AppContainer } from "../docker/appContainer.js";
import { formatRestartPolicy } from "../model/restartPolicy.js";
import type { EngineReach } from "../docker/engine.js";
import { appEndpoint, mseStatusOf, requestApp } from "./appEndpoint.js";

export type AppState = "initializing" | "waiting for secrets" | "running" | "error" | "stopped";

export interface AppProbe {
  state: AppState;
  /** Why, in a few words (e.g. "exited with code 1", "healthcheck /health answered HTTP 500"). */
  detail: string;
}

/** Exit codes of a container that was asked to stop: clean exit, SIGTERM, SIGKILL after the grace period. */
const STOPPED_EXIT_CODES = new Set([0, 128 + 15, 128 + 9]);

const PROBE_TIMEOUT_MS = 3_000;

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** The state the container alone tells (undefined when it runs and the app must be asked). */
export function containerState(app: AppContainer): AppProbe | undefined {
  if (app.running) return undefined;
  switch (app.status) {
    case "restarting":
      // The engine restarts a container only after it exited: the app failed, and comes back by itself.
      return {
        state: "error",
        detail: `it exited${app.exitCode === null ? "" : ` with code ${app.exitCode}`} and the engine restarts it (restart policy ${formatRestartPolicy(app.restartPolicy)}, ${plural(app.restartCount, "restart")} so far)`,
      };
    case "created":
      return { state: "stopped", detail: "the container was created but never started" };
    case "paused":
      return { state: "stopped", detail: "the container is paused" };
    default: {
      if (app.error) return { state: "error", detail: app.error };
      const code = app.exitCode ?? 0;
      // 137 is also what a stop that ran out of patience gives: only the engine's flag tells them apart.
      if (app.oomKilled) {
        return {
          state: "error",
          detail: `the container was killed for running out of memory (OOMKilled), exit code ${code}`,
        };
      }
      return STOPPED_EXIT_CODES.has(code)
        ? { state: "stopped", detail: `exited with code ${code}` }
        : { state: "error", detail: `the container exited with code ${code}` };
    }
  }
}

/**
 * Asks the app: its healthcheck path answers `Mse-Status: Waiting` while the configuration server
 * waits for secrets, and 2xx once the app runs. Nothing answering TLS yet means it is initializing.
 */
export async function probeApp(
  app: AppContainer,
  options: { timeoutMs?: number; reach?: EngineReach } = {},
): Promise<AppProbe> {
  const fromContainer = containerState(app);
  if (fromContainer) return fromContainer;
  const endpoint = appEndpoint(app, options.reach);
  if (endpoint.unreachable) {
    return { state: "error", detail: `not reachable from this machine: ${endpoint.unreachable.message}` };
  }
  const path = app.labels.healthcheckEndpoint;
  let reply;
  try {
    reply = await requestApp(endpoint, { path, timeoutMs: options.timeoutMs ?? PROBE_TIMEOUT_MS });
  } catch (error) {
    return {
      state: "initializing",
      detail: `nothing answers on ${endpoint.where ?? `${endpoint.address}:${endpoint.port}`} yet (${(error as Error).message})`,
    };
  }
  if (mseStatusOf(reply) === "Waiting") {
    return { state: "waiting for secrets", detail: "the configuration server waits for `msehome run`" };
  }
  if (reply.status >= 200 && reply.status < 300) {
    return { state: "running", detail: `healthcheck ${path} answered HTTP ${reply.status}` };
  }
  return { state: "error", detail: `healthcheck ${path} answered HTTP ${reply.status}` };
}

// Waiting for a spawned, configured or restarted app to reach a state, giving up at a deadline or
// as soon as its container stops or exits to be restarted by its restart policy (then with the
// container's last log lines, to say why).
import { type AppContainer, readAppContainer } from "../docker/appContainer.js";
import { readContainerLogs } from "../docker/containerLogs.js";
import type { DockerEngine } from "../docker/engine.js";
import { type AppProbe, type AppState, probeApp } from "./appState.js";
import { setTimeout as sleep } from "node:timers/promises";
import { AppExitedError, AppTimeoutError } from "./errors.js";

/** How long a command waits for its app unless told otherwise. */
export const DEFAULT_APP_TIMEOUT_MS = 5 * 60_000;

/** What a command that waits for its app (spawn, run, restart) takes besides its own inputs. */
export interface AppWaitRequest {
  /** How long to wait for the app (default 5 minutes). */
  timeoutMs?: number;
  /** Called when a step begins (after the inputs and the app were checked). */
  onPhase?: (message: string) => void;
  /** Called with each probe of the app while waiting for it. */
  onProbe?: (probe: AppProbe) => void;
  /** The engine (default: the one DOCKER_HOST names). */
  engine?: DockerEngine;
}

export interface WaitOptions {
  /** What msehome is waiting through, for messages ("waiting for the configuration server"). */
  during: string;
  timeoutMs: number;
  /** Called with each probe, e.g. to update a spinner. */
  onProbe?: (probe: AppProbe) => void;
  /** Between probes (default 250 ms). */
  intervalMs?: number;
  /** Stops waiting (with the signal's reason) when aborted. */
  signal?: AbortSignal;
}

const LOG_LINES = 100;

/** The container's last log lines, or a note when they cannot be read (never hides the real failure). */
export async function lastLogLines(
  engine: DockerEngine,
  app: AppContainer,
  lines = LOG_LINES,
): Promise<string> {
  try {
    return await readContainerLogs(engine, app.id, lines);
  } catch (error) {
    return `(the logs of ${app.name} could not be read: ${(error as Error).message})\n`;
  }
}

/**
 * Resolves with the probe once the app is in one of `states`. Throws AppExitedError when the
 * container stops — or exits and is restarted by the engine (a crash a restart policy would hide,
 * seen as the restarting status or a restart count above `app`'s) —, AppTimeoutError at the
 * deadline; both carry the last log lines.
 */
export async function waitForAppState(
  engine: DockerEngine,
  app: AppContainer,
  states: readonly AppState[],
  options: WaitOptions,
): Promise<AppProbe> {
  const deadline = Date.now() + options.timeoutMs;
  let last: AppProbe = { state: "initializing", detail: "not probed yet" };
  for (;;) {
    options.signal?.throwIfAborted();
    const current = await readAppContainer(engine, app.id);
    if (!current.running || current.restartCount > app.restartCount) {
      throw new AppExitedError(
        app.name,
        options.during,
        current.exitCode,
        await lastLogLines(engine, current),
      );
    }
    last = await probeApp(current, {
      timeoutMs: Math.max(500, Math.min(3_000, deadline - Date.now())),
      reach: engine.reach,
    });
    options.onProbe?.(last);
    if (states.includes(last.state)) return last;
    if (Date.now() >= deadline) {
      throw new AppTimeoutError(
        app.name,
        options.during,
        options.timeoutMs,
        `${last.state}: ${last.detail}`,
        await lastLogLines(engine, current),
      );
    }
    await sleep(options.intervalMs ?? 250, options.signal);
  }
}

// Typed failures of the operator's commands, each one sentence a user can act on.
import type { AppState } from "./appState.js";

/** A flag's value cannot work (size, port, days, files…); exit code 2 like any usage error. */
export class OperatorInputError extends Error {
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OperatorInputError";
  }
}

/**
 * The app's name is held on the engine by what an earlier spawn left (its app, or the volumes of a
 * spawn that never got a container): a state of the machine, so exit code 1 like a taken port.
 */
export class AppNameHeldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AppNameHeldError";
  }
}

/** The app's container stopped while msehome waited for it; `logs` holds its last output. */
export class AppExitedError extends Error {
  constructor(
    readonly appName: string,
    readonly during: string,
    /** The container's exit code (not msehome's: the CLI exits 1). */
    readonly containerExitCode: number | null,
    readonly logs: string,
  ) {
    super(
      `the app "${appName}" stopped${containerExitCode === null ? "" : ` with exit code ${containerExitCode}`} while ${during}${logs.trim() ? " (its last log lines are printed above)" : ""}`,
    );
    this.name = "AppExitedError";
  }
}

/** The app did not reach the awaited state in time; `logs` holds its last output. */
export class AppTimeoutError extends Error {
  constructor(
    readonly appName: string,
    readonly during: string,
    readonly timeoutMs: number,
    readonly lastDetail: string,
    readonly logs: string,
  ) {
    super(
      `the app "${appName}" was still not ready after ${formatDuration(timeoutMs)} of ${during} (${lastDetail}); raise --timeout or look at \`msehome logs ${appName}\``,
    );
    this.name = "AppTimeoutError";
  }
}

/** A command needs the app in another state (e.g. `run` on an app that already has its secrets). */
export class AppStateError extends Error {
  constructor(
    readonly appName: string,
    readonly state: AppState,
    message: string,
  ) {
    super(message);
    this.name = "AppStateError";
  }
}

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const minutes = ms / 60_000;
  return `${Number.isInteger(minutes) ? minutes : minutes.toFixed(1)} min`;
}

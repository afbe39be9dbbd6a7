// `msehome list --filter key=value`, as `docker ps --filter`: values of one key are alternatives,
// different keys must all match. Keys: `state` (the probed state) and `mode` (sgx or simulation).
import type { AppMode } from "../docker/appLabels.js";
import type { AppState } from "./appState.js";
import { OperatorInputError } from "./errors.js";

export interface ListFilter {
  state?: Set<AppState>;
  mode?: Set<AppMode>;
}

const STATES: readonly AppState[] = ["initializing", "waiting for secrets", "running", "error", "stopped"];
const MODES: readonly AppMode[] = ["sgx", "simulation"];

/** `waiting-for-secrets`, `waiting_for_secrets` and `waiting for secrets` are one state. */
function stateOf(value: string): AppState | undefined {
  const spaced = value.toLowerCase().replace(/[-_]/g, " ");
  return STATES.find((state) => state === spaced);
}

/** Reads the --filter values; an unknown key or value is a usage error (exit 2) naming it. */
export function parseListFilters(texts: readonly string[]): ListFilter {
  const filter: ListFilter = {};
  for (const text of texts) {
    const equals = text.indexOf("=");
    if (equals <= 0) {
      throw new OperatorInputError(
        `invalid --filter "${text}": expected key=value, with key state or mode (e.g. state=running)`,
      );
    }
    const key = text.slice(0, equals);
    const value = text.slice(equals + 1);
    if (key === "state") {
      const state = stateOf(value);
      if (!state) {
        throw new OperatorInputError(
          `invalid --filter "${text}": the state must be one of ${STATES.map((s) => s.replace(/ /g, "-")).join(", ")}`,
        );
      }
      (filter.state ??= new Set()).add(state);
    } else if (key === "mode") {
      const mode = MODES.find((m) => m === value);
      if (!mode) {
        throw new OperatorInputError(`invalid --filter "${text}": the mode must be sgx or simulation`);
      }
      (filter.mode ??= new Set()).add(mode);
    } else {
      throw new OperatorInputError(
        `invalid --filter "${text}": unknown key "${key}" (the keys are state and mode)`,
      );
    }
  }
  return filter;
}

/** Whether an app matches: each key given must match one of its values. */
export function matchesListFilter(app: { state: AppState; mode: AppMode }, filter: ListFilter): boolean {
  return (!filter.state || filter.state.has(app.state)) && (!filter.mode || filter.mode.has(app.mode));
}

// Bytes and rate of a transfer (an image saved into a package, loaded into the engine, or hashed),
// shown in the spinner line beside the step under way — on a terminal only: elsewhere the step's
// line alone is printed, once.
import type { Spinner } from "./spinner.js";

/** Redraws at most this often: a 1 GiB image passes in hundreds of chunks per second. */
const REDRAW_MS = 250;

export interface TransferProgress {
  /** Shows the step now under way (its bytes start from zero). */
  phase(message: string): void;
  /** Notes the step now under way, which something else shows. */
  started(message: string): void;
  /** The bytes of the current step done so far. */
  bytes(total: number): void;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `interactive` defaults to whether stderr is a terminal. */
export function createTransferProgress(
  spinner: Spinner,
  options: { interactive?: boolean; now?: () => number } = {},
): TransferProgress {
  const interactive = options.interactive ?? process.stderr.isTTY === true;
  const now = options.now ?? Date.now;
  let message = "";
  let startedAt = now();
  let drawnAt = 0;
  const started = (next: string): void => {
    message = next;
    startedAt = now();
    drawnAt = 0;
  };
  return {
    started,
    phase(next) {
      started(next);
      spinner.update(next);
    },
    bytes(total) {
      if (!interactive) return;
      const at = now();
      if (at - drawnAt < REDRAW_MS) return;
      drawnAt = at;
      const seconds = (at - startedAt) / 1000;
      const rate = seconds > 0 ? ` at ${formatBytes(total / seconds)}/s` : "";
      spinner.update(`${message}: ${formatBytes(total)}${rate}`);
    },
  };
}

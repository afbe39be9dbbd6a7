// Progress of a command that waits for an app (spawn, run, restart): a spinner on stderr showing
// the step and the app's state within it. When the app dies or hangs, its last log lines go to
// stderr before the error sentence, so the operator sees why without another command.
import { createSpinner, type Spinner } from "./spinner.js";

export interface AppProgress {
  /** Shows the step now under way. */
  phase(message: string): void;
  /** Shows the app's state within the step. */
  probe(probe: { state: string }): void;
  /** The spinner itself, for other notices. */
  spinner: Spinner;
}

/** The app's last log lines, when the error carries them. */
export function printAppLogTail(error: unknown, appName: string): void {
  const logs = (error as { logs?: unknown } | null)?.logs;
  if (typeof logs !== "string" || logs.trim() === "") return;
  const lines = logs.replace(/\n+$/, "").split("\n");
  process.stderr.write(`--- last log lines of ${appName} ---\n${lines.join("\n")}\n--- end of logs ---\n`);
}

/** Runs the command's work with the progress; the spinner is gone before the result or the error is printed. */
export async function withAppProgress<T>(
  appName: string,
  work: (progress: AppProgress) => Promise<T>,
): Promise<T> {
  const spinner = createSpinner();
  let phase = "";
  let result: T;
  try {
    result = await work({
      phase: (message) => {
        phase = message;
        spinner.update(message);
      },
      probe: (probe) => spinner.update(`${phase}: ${probe.state}`),
      spinner,
    });
  } catch (error) {
    spinner.stop();
    printAppLogTail(error, appName);
    throw error;
  }
  spinner.stop();
  return result;
}

// Progress of a command that builds the app's image (package, test-dev): a spinner on stderr
// showing the step, the build log above it with --verbose; when the build fails, its last lines go
// to stderr before the error sentence (all of them went by already with --verbose).
import { createSpinner, type Spinner } from "./spinner.js";

export interface BuildProgress {
  /** Shows the step now under way. */
  phase(message: string): void;
  /** Prints a build log line above the spinner; only with --verbose. */
  buildLog?: (line: string) => void;
  /** The spinner itself, for other output. */
  spinner: Spinner;
}

export function printBuildLogTail(error: unknown): void {
  const tail = (error as { logTail?: unknown } | null)?.logTail;
  if (!Array.isArray(tail) || tail.length === 0) return;
  process.stderr.write(
    `The image build's last lines:\n${tail.map((line) => `  ${String(line)}`).join("\n")}\n`,
  );
}

/** Runs the command's work with the progress; the spinner is gone before the result or the error is printed. */
export async function withBuildProgress<T>(
  verbose: boolean,
  work: (progress: BuildProgress) => Promise<T>,
): Promise<T> {
  const spinner = createSpinner();
  let result: T;
  try {
    result = await work({
      phase: (message) => spinner.update(message),
      ...(verbose ? { buildLog: (line: string) => spinner.log(line) } : {}),
      spinner,
    });
  } catch (error) {
    spinner.stop();
    if (!verbose) printBuildLogTail(error);
    throw error;
  }
  spinner.stop();
  return result;
}

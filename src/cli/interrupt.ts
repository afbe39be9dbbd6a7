// Ctrl-C for long-running commands: the first SIGINT or SIGTERM aborts the command's work so it can
// clean up (remove its containers) and exit 130; a second one exits at once.

/** The command was interrupted; exit code 130 as a shell reports Ctrl-C. */
export class InterruptedError extends Error {
  readonly exitCode = 130;
  constructor(signalName: string) {
    super(`interrupted by ${signalName}`);
    this.name = "InterruptedError";
  }
}

export interface Interruption {
  /** Aborted, with an InterruptedError as reason, on the first signal. */
  signal: AbortSignal;
  /** Restores the default signal handling. */
  dispose(): void;
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

export function handleInterrupts(
  notice: (message: string) => void = (message) => process.stderr.write(`${message}\n`),
  onSecond: () => void = () => process.exit(130),
): Interruption {
  const controller = new AbortController();
  const handler = (signalName: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      notice(`${signalName} again: quitting without cleaning up`);
      onSecond();
      return;
    }
    notice(
      `${signalName === "SIGINT" ? "Ctrl-C" : signalName}: stopping and cleaning up (again to quit at once)`,
    );
    controller.abort(new InterruptedError(signalName));
  };
  for (const name of SIGNALS) process.on(name, handler);
  return {
    signal: controller.signal,
    dispose() {
      for (const name of SIGNALS) process.off(name, handler);
    },
  };
}

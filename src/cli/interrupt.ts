// Ctrl-C for long-running commands: the first SIGINT or SIGTERM aborts the command's work so it can
// clean up (remove its containers, undo a spawn) and exit 130; a second one exits at once.

/** The command was interrupted; exit code 130 as a shell reports Ctrl-C. */
export class InterruptedError extends Error {
  readonly exitCode = 130;
  constructor(message: string) {
    super(message);
    this.name = "InterruptedError";
  }
}

export interface Interruption {
  /** Aborted, with an InterruptedError as reason, on the first signal. */
  signal: AbortSignal;
  /** Restores the default signal handling. */
  dispose(): void;
}

export interface InterruptOptions {
  /** Tells the user what happens now (default: a line on stderr). */
  notice?(message: string): void;
  /** The sentence the interrupted command ends with (default: "interrupted by <signal>"). */
  message?(signalName: string): string;
  /** On the second signal (default: exit 130 at once). */
  onSecond?(): void;
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

export function handleInterrupts(options: InterruptOptions = {}): Interruption {
  const notice = options.notice ?? ((message: string) => process.stderr.write(`${message}\n`));
  const onSecond = options.onSecond ?? (() => process.exit(130));
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
    controller.abort(new InterruptedError(options.message?.(signalName) ?? `interrupted by ${signalName}`));
  };
  for (const name of SIGNALS) process.on(name, handler);
  return {
    signal: controller.signal,
    dispose() {
      for (const name of SIGNALS) process.off(name, handler);
    },
  };
}

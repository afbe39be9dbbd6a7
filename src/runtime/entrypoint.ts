// What every runtime entrypoint shares: log lines on stderr prefixed with the command name, a
// promise that settles on SIGTERM/SIGINT (the container's PID 1 must handle them itself), and
// failures turned into one sentence and an exit code (2 for argument mistakes, else 1).
export interface EntrypointIo {
  log(line: string): void;
  /** Settles when the container is asked to stop. */
  untilStopped(): Promise<void>;
}

function sentence(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current instanceof Error && parts.length < 5) {
    parts.push(current.message);
    current = current.cause;
  }
  if (parts.length === 0) parts.push(String(error));
  return parts.join(": ");
}

export function runEntrypoint(
  name: string,
  main: (argv: string[], io: EntrypointIo) => Promise<void | number>,
): void {
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`${name}: received ${signal}, stopping\n`);
    stop();
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  const io: EntrypointIo = {
    log: (line) => process.stderr.write(`${name}: ${line}\n`),
    untilStopped: () => stopped,
  };
  main(process.argv.slice(2), io).then(
    (code) => process.exit(typeof code === "number" ? code : 0),
    (error: unknown) => {
      process.stderr.write(`${name}: error: ${sentence(error)}\n`);
      if (process.env.MSEHOME_BACKTRACE === "full" && error instanceof Error)
        process.stderr.write(`${error.stack}\n`);
      const exitCode = (error as { exitCode?: unknown } | undefined)?.exitCode;
      process.exit(exitCode === 2 ? 2 : 1);
    },
  );
}

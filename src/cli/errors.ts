// How failures reach the user: one sentence on stderr and an exit code (1 failure, 2 usage).
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Any error may carry its own exit code (usage errors do); everything else is a failure. */
function exitCodeOf(error: unknown): number {
  const code = (error as { exitCode?: unknown } | null)?.exitCode;
  return typeof code === "number" && code > 0 ? code : 1;
}

/** One line: the message, then the causes' messages, so "why" is never lost. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    const line = message.split("\n")[0]!.trim();
    if (line && !parts.some((p) => p.includes(line))) parts.push(line);
    current = current instanceof Error ? current.cause : undefined;
  }
  const sentence = parts.join(": ") || "unknown error";
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

export function reportError(
  error: unknown,
  write: (text: string) => void = (t) => process.stderr.write(t),
): number {
  write(`error: ${describeError(error)}\n`);
  if (process.env.MSEHOME_BACKTRACE === "full" && error instanceof Error && error.stack) {
    write(`${error.stack}\n`);
  }
  return exitCodeOf(error);
}

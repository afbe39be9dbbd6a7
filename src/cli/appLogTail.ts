// When an app dies or hangs during a command, its last log lines go to stderr before the error
// sentence, so the operator sees why without another command.
export function printAppLogTail(error: unknown, appName: string): void {
  const logs = (error as { logs?: unknown } | null)?.logs;
  if (typeof logs !== "string" || logs.trim() === "") return;
  const lines = logs.replace(/\n+$/, "").split("\n");
  process.stderr.write(`--- last log lines of ${appName} ---\n${lines.join("\n")}\n--- end of logs ---\n`);
}

// `msehome logs NAME [--follow] [--tail N]`: flags; the work is in operator/logs.
import type { Command } from "commander";
import { parseLines } from "./operatorFlags.js";

export function registerLogs(program: Command): void {
  program
    .command("logs")
    .summary("[operator] print an app's logs")
    .description(
      "Print an app container's logs (the app's stdout on stdout, its stderr on stderr). With --follow, keep printing until the app stops or Ctrl-C.",
    )
    .argument("<name>", "the app's name (as given to spawn)")
    .option("-f, --follow", "keep printing new output")
    .option("--tail <lines>", "only the last N lines", parseLines)
    .action(async (name: string, options: { follow?: boolean; tail?: number }) => {
      const { appLogs } = await import("../../operator/logs.js");
      const controller = new AbortController();
      const interrupt = (): void => controller.abort();
      process.once("SIGINT", interrupt);
      try {
        await appLogs({
          name,
          follow: options.follow === true,
          ...(options.tail !== undefined ? { tail: options.tail } : {}),
          stdout: process.stdout,
          stderr: process.stderr,
          signal: controller.signal,
        });
      } finally {
        process.removeListener("SIGINT", interrupt);
      }
    });
}

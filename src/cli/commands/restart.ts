// `msehome restart NAME`: flags, progress and output; the work is in operator/restart.
import type { Command } from "commander";
import { withAppProgress } from "../appProgress.js";
import { contextOf, printResult } from "../output.js";
import { parseMinutes } from "./operatorFlags.js";

export function registerRestart(program: Command): void {
  program
    .command("restart")
    .summary("[operator] restart a stopped app")
    .description(
      "Restart an app's container and wait until it serves again: a configured app runs again at once with the same certificate (its enclave keeps its keys and secrets); one never configured waits for `msehome run` again behind a new certificate, whose evidence `msehome evidence` collects.",
    )
    .argument("<name>", "the app's name (as given to spawn)")
    .option("--timeout <minutes>", "how long to wait for the app to serve again", parseMinutes, 5)
    .action(async (name: string, options: { timeout: number }, command: Command) => {
      const { restartApp } = await import("../../operator/restart.js");
      const result = await withAppProgress(name, (progress) =>
        restartApp({
          name,
          timeoutMs: options.timeout * 60_000,
          onPhase: progress.phase,
          onProbe: progress.probe,
        }),
      );
      printResult(contextOf(command), result, () =>
        result.state === "waiting for secrets"
          ? `Restarted ${result.name}: waiting for secrets, behind a new RA-TLS certificate (collect its evidence again with msehome evidence ${result.name}).`
          : `Restarted ${result.name}: ${result.state}.`,
      );
    });
}

// `msehome restart NAME…`: flags, progress and output; the work is in operator/restart.
import type { Command } from "commander";
import type { RestartResult } from "../../operator/restart.js";
import { withAppProgress } from "../appProgress.js";
import { contextOf, printResult } from "../output.js";
import { parseMinutes } from "./operatorFlags.js";

function renderRestart(result: RestartResult): string {
  return result.state === "waiting for secrets"
    ? `Restarted ${result.name}: waiting for secrets, behind a new RA-TLS certificate (collect its evidence again with msehome evidence ${result.name}).`
    : `Restarted ${result.name}: ${result.state}.`;
}

export function registerRestart(program: Command): void {
  program
    .command("restart")
    .summary("[operator] restart apps")
    .description(
      "Restart one or more apps' containers, one after the other, and wait until each serves again: a configured app runs again at once with the same certificate (its enclave keeps its keys and secrets); one never configured waits for `msehome run` again behind a new certificate, whose evidence `msehome evidence` collects. The command fails, naming them, if any app does not serve again.",
    )
    .argument("<names...>", "the apps' names (as given to spawn)")
    .option("--timeout <minutes>", "how long to wait for each app to serve again", parseMinutes, 5)
    .action(async (names: string[], options: { timeout: number }, command: Command) => {
      const { restartApp } = await import("../../operator/restart.js");
      const { forEachApp, throwFailures } = await import("../../operator/appBatch.js");
      const outcomes = await forEachApp(
        names,
        (name) =>
          withAppProgress(name, (progress) =>
            restartApp({
              name,
              timeoutMs: options.timeout * 60_000,
              onPhase: progress.phase,
              onProbe: progress.probe,
            }),
          ),
        { sequential: true },
      );
      const results = outcomes.flatMap((outcome) => (outcome.ok ? [outcome.result] : []));
      if (results.length > 0) {
        printResult(contextOf(command), outcomes.length === 1 ? results[0] : results, () =>
          results.map(renderRestart).join("\n"),
        );
      }
      throwFailures("restart", outcomes);
    });
}

// `msehome stop NAME… [--remove]`: flags and output; the work is in operator/stop.
import type { Command } from "commander";
import type { StopResult } from "../../operator/stop.js";
import { contextOf, printResult } from "../output.js";

function renderStop(result: StopResult): string {
  const stopped = result.wasRunning ? `Stopped ${result.name}` : `${result.name} was not running`;
  if (!result.removed) {
    return result.comesBackWithEngine
      ? `${stopped} (restart policy always: the engine starts it again when the engine itself restarts).`
      : `${stopped}.`;
  }
  const volumes = result.volumes.length > 0 ? ` and its ${result.volumes.length} volumes` : "";
  const image = result.image ? `${volumes ? "," : ""} and released the image ${result.image}` : "";
  return `${stopped}; removed its container${volumes}${image}.`;
}

export function registerStop(program: Command): void {
  program
    .command("stop")
    .summary("[operator] stop apps (--remove deletes them)")
    .description(
      "Stop one or more apps' containers (each keeps its enclave storage: `msehome restart` brings it back; the engine does not restart a stopped app, except one spawned with --restart always when the engine itself restarts). With --remove, also delete the container, its volumes (its code and its enclave storage: the app cannot come back) and release its image. Each app is stopped on its own; the command fails, naming them, if any could not be.",
    )
    .argument("<names...>", "the apps' names (as given to spawn)")
    .option(
      "--remove",
      "delete the container, its volumes (code and enclave storage) and the app's image tag (the image goes when nothing else uses it)",
    )
    .action(async (names: string[], options: { remove?: boolean }, command: Command) => {
      const { stopApp } = await import("../../operator/stop.js");
      const { forEachApp, throwFailures } = await import("../../operator/appBatch.js");
      const outcomes = await forEachApp(names, (name) => stopApp({ name, remove: options.remove === true }));
      const results = outcomes.flatMap((outcome) => (outcome.ok ? [outcome.result] : []));
      if (results.length > 0) {
        printResult(contextOf(command), outcomes.length === 1 ? results[0] : results, () =>
          results.map(renderStop).join("\n"),
        );
      }
      throwFailures("stop", outcomes);
    });
}

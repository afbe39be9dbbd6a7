// `msehome stop NAME [--remove]`: flags and output; the work is in operator/stop.
import type { Command } from "commander";
import { contextOf, printResult } from "../output.js";

export function registerStop(program: Command): void {
  program
    .command("stop")
    .summary("[operator] stop an app (--remove deletes it)")
    .description(
      "Stop an app's container (it keeps its enclave storage: `msehome restart` brings the app back). With --remove, also delete the container, its volumes (its code and its enclave storage: the app cannot come back) and release its image.",
    )
    .argument("<name>", "the app's name (as given to spawn)")
    .option(
      "--remove",
      "delete the container, its volumes (code and enclave storage) and the app's image tag (the image goes when nothing else uses it)",
    )
    .action(async (name: string, options: { remove?: boolean }, command: Command) => {
      const { stopApp } = await import("../../operator/stop.js");
      const result = await stopApp({ name, remove: options.remove === true });
      printResult(contextOf(command), result, () => {
        const stopped = result.wasRunning ? `Stopped ${result.name}` : `${result.name} was not running`;
        if (!result.removed) return `${stopped}.`;
        const volumes = result.volumes.length > 0 ? ` and its ${result.volumes.length} volumes` : "";
        const image = result.image ? `${volumes ? "," : ""} and released the image ${result.image}` : "";
        return `${stopped}; removed its container${volumes}${image}.`;
      });
    });
}

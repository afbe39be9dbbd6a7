// `msehome list [--filter key=value]…`: the table of apps (or --json); the work is in operator/list.
import type { Command } from "commander";
import { contextOf, printResult, warn } from "../output.js";

export function registerList(program: Command): void {
  program
    .command("list")
    .summary("[operator] list the msehome apps")
    .description(
      "List the msehome apps on this Docker engine, running or not, with the state probed from each (use --json for the full records). Filters work as docker ps's: values of one key are alternatives, different keys must all match.",
    )
    .option(
      "--filter <key=value>",
      "keep the apps matching: state=initializing|waiting-for-secrets|running|error|stopped, mode=sgx|simulation (repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action(async (options: { filter: string[] }, command: Command) => {
      const { listApps } = await import("../../operator/list.js");
      const { parseListFilters } = await import("../../operator/listFilter.js");
      const filter = parseListFilters(options.filter);
      const result = await listApps({ filter });
      for (const { name, reason } of result.unreadable)
        warn(`container ${name} carries msehome labels but ${reason}`);
      printResult(contextOf(command), result.apps, () => {
        if (result.apps.length === 0)
          return `${options.filter.length > 0 ? "No msehome apps match the filters." : "No msehome apps."}\nEngine: ${result.engine}`;
        const header = ["NAME", "STATE", "MODE", "HOST", "PORT", "SIZE", "STARTED", "EXPIRES"];
        const rows = result.apps.map((app) => [
          app.name,
          app.state,
          app.mode,
          app.host,
          String(app.port),
          `${app.sizeMb}M`,
          app.startedAt ? app.startedAt.replace(/\.\d+Z$/, "Z") : "never",
          `${app.expiresAt.slice(0, 10)} (${app.daysLeft}d)`,
        ]);
        const widths = header.map((title, column) =>
          Math.max(title.length, ...rows.map((row) => row[column]!.length)),
        );
        const line = (cells: string[]): string =>
          cells
            .map((cell, column) => cell.padEnd(widths[column]!))
            .join("  ")
            .trimEnd();
        return [line(header), ...rows.map(line), `Engine: ${result.engine}`].join("\n");
      });
    });
}

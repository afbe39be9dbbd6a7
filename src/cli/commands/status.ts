// `msehome status NAME`: flags and output; the work is in operator/status.
import type { Command } from "commander";
import { contextOf, printResult } from "../output.js";

export function registerStatus(program: Command): void {
  program
    .command("status")
    .summary("[operator] show an app's state")
    .description(
      "Show an app: mode, enclave size, host, port, healthcheck, its state probed from the app (initializing, waiting for secrets, running, error, stopped), when it started and when its certificate expires.",
    )
    .argument("<name>", "the app's name (as given to spawn)")
    .action(async (name: string, _options: unknown, command: Command) => {
      const { appStatus } = await import("../../operator/status.js");
      const status = await appStatus({ name });
      printResult(contextOf(command), status, () => {
        const expiry =
          status.daysLeft >= 0
            ? `${status.expiresAt} (${status.daysLeft} day${status.daysLeft === 1 ? "" : "s"} left)`
            : `${status.expiresAt} (expired ${-status.daysLeft} day${status.daysLeft === -1 ? "" : "s"} ago)`;
        const rows: [string, string][] = [
          ["Name", status.name],
          ["Engine", status.engine],
          [
            "Mode",
            status.mode === "simulation"
              ? "simulation (simulated SGX platform: nothing here is attested by Intel hardware)"
              : "sgx",
          ],
          ["State", `${status.state} (${status.detail})`],
          ["Enclave size", `${status.sizeMb} MB`],
          ["Host", status.host],
          ["Port", `${status.port} (published on ${status.address})`],
          ["Healthcheck", status.healthcheckEndpoint],
          ["App id", status.appId],
          ["Application", status.application],
          ["Image", `${status.image} (${status.imageId})`],
          ["Started at", status.startedAt ?? "never"],
          ["Expires at", expiry],
        ];
        const width = Math.max(...rows.map(([label]) => label.length)) + 1;
        return rows.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}`).join("\n");
      });
    });
}

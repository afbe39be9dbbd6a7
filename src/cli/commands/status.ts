// `msehome status NAME…`: flags and output; the work is in operator/status.
import type { Command } from "commander";
import type { AppStatus } from "../../operator/status.js";
import { contextOf, printResult } from "../output.js";

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** 93784 → "1d 2h 3m 4s". */
export function formatUptime(seconds: number): string {
  const parts: [number, string][] = [
    [Math.floor(seconds / 86_400), "d"],
    [Math.floor((seconds % 86_400) / 3600), "h"],
    [Math.floor((seconds % 3600) / 60), "m"],
    [seconds % 60, "s"],
  ];
  const first = parts.findIndex(([value]) => value > 0);
  return first === -1
    ? "0s"
    : parts
        .slice(first)
        .map(([value, unit]) => `${value}${unit}`)
        .join(" ");
}

/** Bytes in MiB or GiB, one decimal. */
export function formatBytes(bytes: number): string {
  const mib = bytes / 1024 / 1024;
  return mib >= 1024 ? `${(mib / 1024).toFixed(1)} GiB` : `${mib.toFixed(1)} MiB`;
}

function renderStatus(status: AppStatus): string {
  const expiry =
    status.daysLeft >= 0
      ? `${status.expiresAt} (${plural(status.daysLeft, "day")} left)`
      : `${status.expiresAt} (expired ${plural(-status.daysLeft, "day")} ago)`;
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
    ...(status.exitCode !== null ? [["Exit code", String(status.exitCode)] as [string, string]] : []),
    ["Enclave size", `${status.sizeMb} MB`],
    ["Host", status.host],
    ...(status.sans.length > 0 ? [["Also named", status.sans.join(", ")] as [string, string]] : []),
    [
      "Port",
      `${status.port} (published on ${status.bind.includes(":") ? `[${status.bind}]` : status.bind}:${status.port})`,
    ],
    ["Restart policy", `${status.restartPolicy} (${plural(status.restartCount, "restart")} by the engine)`],
    ["Healthcheck", status.healthcheckEndpoint],
    ["App id", status.appId],
    ["Application", status.application],
    ["Image", `${status.image} (${status.imageId})`],
    ["Started at", status.startedAt ?? "never"],
    ["Uptime", status.uptimeSeconds === null ? "not running" : formatUptime(status.uptimeSeconds)],
    ...(status.resources
      ? ([
          ["CPU time", `${status.resources.cpuSeconds.toFixed(1)} s`],
          [
            "Memory",
            `${formatBytes(status.resources.memoryBytes)} of ${formatBytes(status.resources.memoryLimitBytes)}`,
          ],
        ] as [string, string][])
      : []),
    ["Expires at", expiry],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}`).join("\n");
}

export function registerStatus(program: Command): void {
  program
    .command("status")
    .summary("[operator] show apps' state")
    .description(
      "Show one or more apps: mode, enclave size, host and further names, port, restart policy and restart count, healthcheck, its state probed from the app (initializing, waiting for secrets, running, error, stopped), when it started, its uptime, CPU time and memory while it runs, and when its certificate expires. With several names each app is shown (--json: an array); the command fails, naming them, if any cannot be shown.",
    )
    .argument("<names...>", "the apps' names (as given to spawn)")
    .action(async (names: string[], _options: unknown, command: Command) => {
      const { appStatuses } = await import("../../operator/status.js");
      const { throwFailures } = await import("../../operator/appBatch.js");
      const outcomes = await appStatuses({ names });
      const statuses = outcomes.flatMap((outcome) => (outcome.ok ? [outcome.result] : []));
      if (statuses.length > 0) {
        printResult(contextOf(command), outcomes.length === 1 ? statuses[0] : statuses, () =>
          statuses.map(renderStatus).join("\n\n"),
        );
      }
      throwFailures("status", outcomes);
    });
}

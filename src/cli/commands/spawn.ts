// `msehome spawn NAME --host H [--san N]… [--bind ADDR] --port P [--restart POLICY] --size MB
// --package F --output DIR …`: flags, progress and
// output; the work is in operator/spawn.
import { type Command, InvalidArgumentError, Option } from "commander";
import { APP_NAME_EXPECTATION } from "../../model/appName.js";
import {
  DEFAULT_RESTART_POLICY,
  formatRestartPolicy,
  parseRestartPolicy,
  type RestartPolicy,
} from "../../model/restartPolicy.js";
import type { SpawnRequest } from "../../operator/spawn.js";
import { withAppProgress } from "../appProgress.js";
import { createTransferProgress } from "../transferProgress.js";
import { UsageError } from "../errors.js";
import { handleInterrupts } from "../interrupt.js";
import { contextOf, printResult, warn } from "../output.js";
import { simulatedPlatformProbe } from "../simulatedPlatform.js";
import {
  addPccsOptions,
  parseDays,
  parseMegabytes,
  parseMinutes,
  parsePort,
  type PccsFlags,
  pccsSourceOf,
} from "./operatorFlags.js";

interface SpawnFlags extends PccsFlags {
  host: string;
  san: string[];
  bind: string;
  port: number;
  restart: RestartPolicy;
  size: number;
  package: string;
  output: string;
  signerKey?: string;
  days: number;
  timeout: number;
  simulation?: boolean;
  platform?: string;
}

function restartPolicyFlag(value: string): RestartPolicy {
  try {
    return parseRestartPolicy(value);
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}.`);
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerSpawn(program: Command): void {
  const spawn = program
    .command("spawn")
    .summary("[operator] deploy a package as an enclave app and collect its evidence")
    .description(
      "Deploy a code provider's package as an SGX enclave app: load its image, start the app with its configuration server waiting for secrets, and collect the evidence (evidence.json, ratls.pem) to send to the code provider. DIR also receives mse.toml and tests/ for `msehome test`, and what the app needs for as long as it exists.",
    )
    .argument("<name>", `the app's name, used by every later command: ${APP_NAME_EXPECTATION}`)
    .requiredOption(
      "--host <host>",
      "the DNS name (or IP) the app is reached at; its certificate is issued for it (subject and first SAN)",
    )
    .option(
      "--san <name>",
      "a further DNS name or IP the certificate names (repeatable); measured like --host",
      collect,
      [],
    )
    .option(
      "--bind <address>",
      "the address of the engine's machine the port is published on (IPv4 or IPv6; 0.0.0.0 or :: for every interface; needed for a tcp:// engine); not in the certificate",
      "127.0.0.1",
    )
    .requiredOption("--port <port>", "the port the app is published on, at the --bind address", parsePort)
    .addOption(
      new Option(
        "--restart <policy>",
        "what the engine does when the app exits or the engine restarts, as Docker's --restart: no, on-failure[:N], unless-stopped or always",
      )
        .argParser(restartPolicyFlag)
        .default(DEFAULT_RESTART_POLICY, formatRestartPolicy(DEFAULT_RESTART_POLICY)),
    )
    .requiredOption(
      "--size <MB>",
      "enclave size in MB: a power of two, at least 2048 on SGX hardware (e.g. 4096)",
      parseMegabytes,
    )
    .requiredOption("--package <file>", "the package_<name>_<ns>.tar the code provider sent")
    .requiredOption(
      "--output <dir>",
      "directory receiving evidence.json, ratls.pem, mse.toml, tests/ and the app's input (created when missing)",
    );
  addPccsOptions(spawn)
    .option(
      "--signer-key <file>",
      "the enclave signer key, RSA-3072 with e=3, PEM (default: a fresh one generated into DIR/enclave-key.pem); keep it while the app exists",
    )
    .option("--days <n>", "validity of the app's RA-TLS certificate in days", parseDays, 365)
    .option("--timeout <minutes>", "how long to wait for the configuration server", parseMinutes, 5)
    .option(
      "--simulation",
      "run on a simulated SGX platform (no SGX hardware; verifiable only with --simulation)",
    )
    .addOption(
      new Option(
        "--platform <dir>",
        "the simulated platform directory, with --simulation (default: $MSEHOME_SIM_PLATFORM or ~/.config/msehome/sim-platform)",
      ),
    )
    .action(async (name: string, flags: SpawnFlags, command: Command) => {
      const ctx = contextOf(command);
      if (flags.platform !== undefined && !flags.simulation) {
        throw new UsageError("--platform names a simulated platform: it needs --simulation");
      }
      const { spawnApp } = await import("../../operator/spawn.js");
      let simulation: SpawnRequest["simulation"];
      if (flags.simulation) {
        const { SIMULATION_WARNING } = await import("../../simulation/simulator.js");
        warn(SIMULATION_WARNING);
        simulation = await simulatedPlatformProbe(flags.platform);
      }
      const done = await withAppProgress(name, async (progress) => {
        const transfer = createTransferProgress(progress.spinner);
        // Ctrl-C undoes the spawn; a second one leaves at once.
        const interruption = handleInterrupts({
          notice: (message) => progress.spinner.update(message),
          message: () => `spawn of "${name}" was interrupted; what it had created was removed`,
        });
        try {
          return await spawnApp({
            name,
            host: flags.host,
            extraSans: flags.san,
            bind: flags.bind,
            port: flags.port,
            restartPolicy: flags.restart,
            sizeMb: flags.size,
            packagePath: flags.package,
            outputDir: flags.output,
            ...pccsSourceOf(flags),
            ...(flags.signerKey !== undefined ? { signerKeyPath: flags.signerKey } : {}),
            days: flags.days,
            timeoutMs: flags.timeout * 60_000,
            ...(simulation ? { simulation } : {}),
            signal: interruption.signal,
            onPhase: (message) => {
              transfer.started(message);
              progress.phase(message);
            },
            onBytes: transfer.bytes,
            onProbe: progress.probe,
          });
        } finally {
          interruption.dispose();
        }
      });
      printResult(ctx, done, () =>
        [
          `Spawned ${done.name}${done.mode === "simulation" ? " on a SIMULATED SGX platform" : ""}: ${done.state}.`,
          `  URL:          https://${done.host}:${done.port} (published on ${publishedAddress(done.bind, done.port)})`,
          ...(done.sans.length > 0 ? [`  Also named:   ${done.sans.join(", ")}`] : []),
          `  Restart:      ${done.restartPolicy}`,
          `  App id:       ${done.appId}`,
          `  Expires at:   ${done.expiresAt}`,
          `  Evidence:     ${done.files.evidence} (send it to the code provider)`,
          `  Certificate:  ${done.files.certificate}`,
          `  Signer key:   ${done.files.signerKey}${done.signerKeyGenerated ? " (generated; keep it: restarts need it)" : ""}`,
          `  Tests:        msehome test --test ${done.files.tests} --config ${done.files.config} ${done.name}`,
          `Next: the code provider verifies the evidence and seals the secrets; then \`msehome run ${done.name}\`.`,
        ].join("\n"),
      );
    });
}

/** `address:port`, IPv6 in brackets. */
function publishedAddress(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

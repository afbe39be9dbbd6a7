// `msehome spawn NAME --host H --port P --size MB --package F --output DIR …`: flags, progress and
// output; the work is in operator/spawn.
import { type Command, Option } from "commander";
import { APP_NAME_EXPECTATION } from "../../model/appName.js";
import type { SpawnRequest } from "../../operator/spawn.js";
import { withAppProgress } from "../appProgress.js";
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
  port: number;
  bind: string;
  size: number;
  package: string;
  output: string;
  signerKey?: string;
  days: number;
  timeout: number;
  simulation?: boolean;
  platform?: string;
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
      "the DNS name (or IP) the app is reached at; its certificate is issued for it",
    )
    .requiredOption("--port <port>", "the port the app is published on", parsePort)
    .option(
      "--bind <address>",
      "the address of the engine's machine the port is published on (0.0.0.0: every interface; needed for a tcp:// engine)",
      "127.0.0.1",
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
        // Ctrl-C undoes the spawn; a second one leaves at once.
        const interruption = handleInterrupts({
          notice: (message) => progress.spinner.update(message),
          message: () => `spawn of "${name}" was interrupted; what it had created was removed`,
        });
        try {
          return await spawnApp({
            name,
            host: flags.host,
            port: flags.port,
            bind: flags.bind,
            sizeMb: flags.size,
            packagePath: flags.package,
            outputDir: flags.output,
            ...pccsSourceOf(flags),
            ...(flags.signerKey !== undefined ? { signerKeyPath: flags.signerKey } : {}),
            days: flags.days,
            timeoutMs: flags.timeout * 60_000,
            ...(simulation ? { simulation } : {}),
            signal: interruption.signal,
            onPhase: progress.phase,
            onProbe: progress.probe,
          });
        } finally {
          interruption.dispose();
        }
      });
      printResult(ctx, done, () =>
        [
          `Spawned ${done.name}${done.mode === "simulation" ? " on a SIMULATED SGX platform" : ""}: ${done.state}.`,
          `  URL:          https://${done.host}:${done.port} (published on ${flags.bind}:${done.port})`,
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

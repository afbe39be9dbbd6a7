// `msehome sim`: the simulated SGX platform (init) and its PCCS (pccs), for machines without SGX hardware.
import type { Command } from "commander";
import { InvalidArgumentError, Option } from "commander";
import { contextOf, printResult, progress, warn } from "../output.js";
import { SIMULATED_TCB_STATES } from "../../simulation/tcbLevels.js";

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new InvalidArgumentError("must be a TCP port, 0..65535 (0 picks a free one).");
  return port;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerSim(program: Command): void {
  const sim = program
    .command("sim")
    .summary("simulated SGX platform and PCCS, for machines without SGX")
    .description(
      "Simulated SGX platform and PCCS, for machines without SGX: every structure is Intel's, signed by a published simulation PKI.",
    );

  sim
    .command("init")
    .description(
      "Create or reset a simulated SGX platform (PCK key and certificate, attestation key, TCB state).",
    )
    .addOption(
      new Option(
        "--dir <dir>",
        "platform directory (default: $MSEHOME_SIM_PLATFORM or ~/.config/msehome/sim-platform)",
      ),
    )
    .addOption(
      new Option(
        "--tcb <state>",
        "TCB state the platform reports; revoked also lists its PCK certificate on the CRL",
      )
        .choices(SIMULATED_TCB_STATES)
        .default("up-to-date"),
    )
    .action(
      async (options: { dir?: string; tcb: (typeof SIMULATED_TCB_STATES)[number] }, command: Command) => {
        const ctx = contextOf(command);
        const { initSimulatedPlatform, SIMULATION_WARNING } = await import("../../simulation/simulator.js");
        const summary = await initSimulatedPlatform({ dir: options.dir, tcb: options.tcb });
        warn(SIMULATION_WARNING);
        printResult(ctx, summary, () =>
          [
            `Simulated SGX platform ready in ${summary.dir}`,
            `    TCB state:   ${summary.tcbState} (verifiers will report ${summary.tcbStatus}${summary.advisoryIds.length ? `, ${summary.advisoryIds.join(", ")}` : ""})`,
            `    FMSPC:       ${summary.fmspc}`,
            `    PCK serial:  ${summary.pckSerialNumber}`,
            `    Root CA:     SHA-256 ${summary.rootCaSha256}`,
          ].join("\n"),
        );
      },
    );

  sim
    .command("pccs")
    .description(
      "Serve the simulated platforms' collateral with Intel's PCCS API (v4 and v3) until interrupted.",
    )
    .addOption(new Option("--host <host>", "interface to listen on").default("127.0.0.1"))
    .addOption(
      new Option("--port <port>", "TCP port (0 picks a free one)").default(8081).argParser(parsePort),
    )
    .addOption(
      new Option(
        "--dir <dir>",
        "platform directory to serve; repeat for several (default: the default platform)",
      )
        .argParser(collect)
        .default([]),
    )
    .addOption(new Option("--http", "serve plain HTTP instead of HTTPS with a self-signed certificate"))
    .action(
      async (options: { host: string; port: number; dir: string[]; http?: boolean }, command: Command) => {
        const ctx = contextOf(command);
        const { serveSimulatedPccs, SIMULATION_WARNING } = await import("../../simulation/simulator.js");
        const server = await serveSimulatedPccs({
          dirs: options.dir,
          host: options.host,
          port: options.port,
          http: options.http === true,
          log: progress,
        });
        warn(SIMULATION_WARNING);
        const info = { url: server.url, tlsFingerprint: server.tlsFingerprint ?? null };
        printResult(ctx, info, () =>
          [
            `Simulated PCCS listening on ${server.url} (API at ${server.url}/sgx/certification/v4/)`,
            ...(server.tlsFingerprint ? [`    TLS certificate SHA-256 ${server.tlsFingerprint}`] : []),
          ].join("\n"),
        );
        await new Promise<void>((resolve) => {
          process.once("SIGINT", resolve);
          process.once("SIGTERM", resolve);
        });
        await server.close();
        progress("Simulated PCCS stopped.");
      },
    );
}

// `msehome doctor [--simulation [--platform DIR]] [--pccs URL] [--root DIR]`: one line per check of
// this machine, ✓ or ✗ with the fix; exit 1 when a check spawn needs failed. The checks are in
// operator/doctor.
import type { Command } from "commander";
import type { HostCheck } from "../../operator/hostCheck.js";
import { MSEHOME_VERSION } from "../../version.js";
import { UsageError } from "../errors.js";
import { contextOf, printResult } from "../output.js";
import { simulatedPlatformProbe } from "../simulatedPlatform.js";
import { addPccsOptions, type PccsFlags, pccsSourceOf } from "./operatorFlags.js";

interface DoctorFlags extends PccsFlags {
  simulation?: boolean;
  platform?: string;
  root?: string;
}

function checkLine(check: HostCheck): string {
  const optional = check.ok || check.neededBySpawn ? "" : " (spawn does not need it)";
  return `${check.ok ? "✓" : "✗"} ${check.title}${optional}: ${check.detail}${check.fix ? ` — fix: ${check.fix}` : ""}`;
}

export function registerDoctor(program: Command): void {
  const doctor = program
    .command("doctor")
    .summary("[operator] check this machine before spawning: SGX platform, aesmd, PCCS, Docker")
    .description(
      "Check that this machine (or, with a remote Docker engine, the engine's machine) can spawn enclaves, one line per check with its fix: the CPU's SGX and flexible launch control, /dev/sgx_enclave and /dev/sgx_provision, Intel's aesmd answering, /etc/sgx_default_qcnl.conf and the PCCS it names, the Docker engine, the SGX base image and free disk. With --simulation, the simulated platform and its PCCS instead of the SGX hardware. Exits 1 when a check spawn needs failed.",
    )
    .option("--simulation", "check a simulated SGX platform and its PCCS instead of SGX hardware")
    .option(
      "--platform <dir>",
      "the simulated platform directory, with --simulation (default: $MSEHOME_SIM_PLATFORM or ~/.config/msehome/sim-platform)",
    )
    .option(
      "--root <dir>",
      "look for /proc, /dev, /var/run/aesmd and /etc under DIR (default /), e.g. the host's file system mounted in a container",
    );
  addPccsOptions(doctor).action(async (flags: DoctorFlags, command: Command) => {
    const ctx = contextOf(command);
    if (flags.platform !== undefined && !flags.simulation) {
      throw new UsageError("--platform names a simulated platform: it needs --simulation");
    }
    if (flags.root !== undefined && flags.simulation) {
      throw new UsageError("--root names an SGX host's file system; --simulation checks no SGX hardware");
    }
    const { runDoctor } = await import("../../operator/doctor.js");
    const { blockingFailures } = await import("../../operator/hostCheck.js");
    const report = await runDoctor({
      ...pccsSourceOf(flags),
      ...(flags.root !== undefined ? { root: flags.root } : {}),
      ...(flags.simulation ? { simulation: await simulatedPlatformProbe(flags.platform) } : {}),
    });
    const where = report.mode === "simulation" ? "on the simulated SGX platform" : "on SGX hardware";
    const blocking = blockingFailures(report.checks);
    const others = report.checks.filter((check) => !check.ok && !check.neededBySpawn);
    printResult(ctx, { version: MSEHOME_VERSION, ...report }, () =>
      [
        `msehome ${MSEHOME_VERSION} doctor: can ${report.machine} spawn enclaves ${where}?`,
        ...report.checks.map(checkLine),
        report.ready
          ? `Ready: spawn can run enclaves ${report.machine === "this machine" ? "here" : `on ${report.machine}`} ${where}${others.length > 0 ? ` (${others.length} check${others.length > 1 ? "s" : ""} spawn does not need failed)` : ""}.`
          : `Not ready: ${blocking.length} check${blocking.length > 1 ? "s" : ""} spawn needs failed.`,
      ].join("\n"),
    );
    if (!report.ready) {
      const titles = blocking.map((check) => `"${check.title}"`);
      throw new Error(
        `${report.machine} cannot spawn enclaves ${where} yet: ${titles.join(", ")} failed; ${ctx.json ? "each check's fix is in the report" : "each fix is on its check's line above"}`,
      );
    }
  });
}

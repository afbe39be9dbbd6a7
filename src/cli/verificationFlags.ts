// Flags shared by the commands that verify a quote: the verification time, expected measurements,
// the policy allowances, and --simulation.
import { InvalidArgumentError, Option, type Command } from "commander";

export interface VerificationFlags {
  at?: Date;
  allowOutdatedTcb?: boolean;
  allowSwHardeningNeeded?: boolean;
  allowConfigurationNeeded?: boolean;
  allowExpiredCollateral?: boolean;
  allowDebug?: boolean;
  simulation?: boolean;
}

export function parseAt(value: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError("must be an ISO 8601 date, e.g. 2023-06-21T00:00:00Z.");
  }
  return date;
}

export function parseMeasurement(value: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) throw new InvalidArgumentError("must be 64 hex digits (32 bytes).");
  return value.toLowerCase();
}

export function addVerificationFlags(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--at <iso-8601>",
        "verify as of this time instead of now (certificates, CRLs and collateral windows)",
      ).argParser(parseAt),
    )
    .addOption(
      new Option(
        "--allow-outdated-tcb",
        "accept a platform whose TCB status is OutOfDate (or OutOfDateConfigurationNeeded, with --allow-configuration-needed)",
      ),
    )
    .addOption(
      new Option(
        "--allow-sw-hardening-needed",
        "accept SWHardeningNeeded (the enclave must mitigate the advisories in software)",
      ),
    )
    .addOption(
      new Option(
        "--allow-configuration-needed",
        "accept ConfigurationNeeded (the platform's BIOS configuration has known weaknesses)",
      ),
    )
    .addOption(
      new Option(
        "--allow-expired-collateral",
        "accept collateral (CRLs, TCB info, QE identity, certificates) that is not current at the verification time",
      ),
    )
    .addOption(new Option("--allow-debug", "accept a debug enclave, whose memory the host can read"))
    .addOption(
      new Option(
        "--simulation",
        "trust the published simulation root CA instead of Intel's (for the simulated SGX platform; proves no hardware protection)",
      ),
    );
}

export function policyOf(flags: VerificationFlags) {
  return {
    allowOutdatedTcb: flags.allowOutdatedTcb === true,
    allowSwHardeningNeeded: flags.allowSwHardeningNeeded === true,
    allowConfigurationNeeded: flags.allowConfigurationNeeded === true,
    allowExpiredCollateral: flags.allowExpiredCollateral === true,
    allowDebug: flags.allowDebug === true,
  };
}

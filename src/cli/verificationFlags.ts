// Flags shared by the commands that verify a quote: the verification time, expected measurements,
// the policy allowances (statuses, advisories, expiry, debug), and --simulation.
import { InvalidArgumentError, Option, type Command } from "commander";
import { normalizeAdvisoryId } from "../attestation/advisoryAllowlist.js";
import type { Policy } from "../attestation/policy.js";

export interface VerificationFlags {
  at?: Date;
  allowOutdatedTcb?: boolean;
  allowSwHardeningNeeded?: boolean;
  allowConfigurationNeeded?: boolean;
  allowExpiredCollateral?: boolean;
  allowDebug?: boolean;
  allowAdvisory?: string[];
  allowedAdvisories?: string;
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

/** Collects each --allow-advisory, in Intel's spelling. */
export function collectAdvisoryId(value: string, previous: string[] | undefined): string[] {
  const id = normalizeAdvisoryId(value);
  if (!id) throw new InvalidArgumentError("must be an Intel advisory ID, e.g. INTEL-SA-00615.");
  return [...(previous ?? []), id];
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
    .addOption(
      new Option(
        "--allow-advisory <id>",
        "accept this Intel advisory (e.g. INTEL-SA-00615; repeatable): once any advisory is listed, a status its flag allows is accepted only if every advisory of the verdict is listed",
      ).argParser(collectAdvisoryId),
    )
    .addOption(
      new Option(
        "--allowed-advisories <file>",
        "accept the advisories listed in this file (IDs separated by newlines, commas or spaces, # comments; or a JSON array), as --allow-advisory does",
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

/** The policy the flags ask for, and the advisory file the use case reads. */
export function policyOf(flags: VerificationFlags): { policy: Policy; allowedAdvisoriesFile?: string } {
  return {
    policy: {
      allowOutdatedTcb: flags.allowOutdatedTcb === true,
      allowSwHardeningNeeded: flags.allowSwHardeningNeeded === true,
      allowConfigurationNeeded: flags.allowConfigurationNeeded === true,
      allowExpiredCollateral: flags.allowExpiredCollateral === true,
      allowDebug: flags.allowDebug === true,
      ...(flags.allowAdvisory ? { allowedAdvisories: flags.allowAdvisory } : {}),
    },
    ...(flags.allowedAdvisories !== undefined ? { allowedAdvisoriesFile: flags.allowedAdvisories } : {}),
  };
}

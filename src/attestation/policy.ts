// The acceptance policy on top of a verification report: strict by default (every check passed,
// TCB UpToDate, collateral current, no debug enclave), relaxed only by explicit allowances.
// Revoked is never accepted. With an advisory allowlist, a status its flag allows is accepted only
// when every advisory of the verdict is listed.
import { VerificationError } from "./errors.js";
import type { VerificationCheck, VerificationReport } from "./verificationReport.js";

export interface Policy {
  allowOutdatedTcb?: boolean;
  allowSwHardeningNeeded?: boolean;
  allowConfigurationNeeded?: boolean;
  allowExpiredCollateral?: boolean;
  allowDebug?: boolean;
  /** When given, the only advisory IDs a non-UpToDate status may carry (as Intel spells them). */
  allowedAdvisories?: readonly string[];
}

export interface PolicyReason {
  /**
   * The check or policy rule that refused: a check name, "tcb.status", "tcb.advisories",
   * "collateral.expiry", "enclave.debug".
   */
  check: string;
  message: string;
}

export interface PolicyVerdict {
  accepted: boolean;
  reasons: PolicyReason[];
}

/** What each status needs to be accepted; Revoked needs the impossible. */
function tcbStatusAllowance(status: string, policy: Policy): { allowed: boolean; flags: string[] } {
  const outdated = { flag: "--allow-outdated-tcb", ok: policy.allowOutdatedTcb === true };
  const hardening = { flag: "--allow-sw-hardening-needed", ok: policy.allowSwHardeningNeeded === true };
  const configuration = {
    flag: "--allow-configuration-needed",
    ok: policy.allowConfigurationNeeded === true,
  };
  const needs: Record<string, Array<{ flag: string; ok: boolean }>> = {
    UpToDate: [],
    SWHardeningNeeded: [hardening],
    ConfigurationNeeded: [configuration],
    ConfigurationAndSWHardeningNeeded: [configuration, hardening],
    OutOfDate: [outdated],
    OutOfDateConfigurationNeeded: [outdated, configuration],
  };
  const required = needs[status];
  if (!required) return { allowed: false, flags: [] };
  return { allowed: required.every((r) => r.ok), flags: required.filter((r) => !r.ok).map((r) => r.flag) };
}

/** The verdict's advisories missing from the allowlist, each said with where it comes from. */
function unlistedAdvisories(report: VerificationReport, allowed: readonly string[]): string[] {
  const { platform, qe } = report.tcb.advisories;
  return report.tcb.advisoryIds
    .filter((id) => !allowed.includes(id))
    .map((id) => {
      const from = [platform.includes(id) ? "platform" : "", qe.includes(id) ? "QE" : ""].filter(Boolean);
      return `${id} (${from.join(" and ")})`;
    });
}

export function applyPolicy(report: VerificationReport, policy: Policy = {}): PolicyVerdict {
  const reasons: PolicyReason[] = [];
  for (const check of report.checks) {
    if (!check.ok && !check.skipped)
      reasons.push({ check: check.name, message: `${check.name} failed: ${check.reason}` });
  }
  const status = report.tcb.status;
  if (status === null) {
    if (reasons.length === 0) {
      reasons.push({ check: "tcb.status", message: "the TCB status could not be determined" });
    }
  } else if (status === "Revoked") {
    reasons.push({ check: "tcb.status", message: "the TCB status is Revoked, which is never accepted" });
  } else {
    const { allowed, flags } = tcbStatusAllowance(status, policy);
    if (!allowed) {
      const advisories =
        report.tcb.advisoryIds.length > 0 ? ` (advisories ${report.tcb.advisoryIds.join(", ")})` : "";
      reasons.push({
        check: "tcb.status",
        message: `the TCB status is ${status}${advisories}; accepting it needs ${flags.join(" and ") || "a newer platform"}`,
      });
    } else if (status !== "UpToDate" && policy.allowedAdvisories !== undefined) {
      const unlisted = unlistedAdvisories(report, policy.allowedAdvisories);
      if (unlisted.length > 0) {
        reasons.push({
          check: "tcb.advisories",
          message: `the TCB status is ${status} with advisories that are not allowed: ${unlisted.join(", ")}; accepting them needs --allow-advisory for each`,
        });
      }
    }
  }
  if (report.collateral.expired && policy.allowExpiredCollateral !== true) {
    reasons.push({
      check: "collateral.expiry",
      message: `the collateral is not current at ${report.verifiedAt}: ${report.collateral.expiredItems.join("; ")}; accepting it needs --allow-expired-collateral`,
    });
  }
  if (report.enclave?.debug && policy.allowDebug !== true) {
    reasons.push({
      check: "enclave.debug",
      message:
        "the enclave runs in debug mode (its memory is readable by the host); accepting it needs --allow-debug",
    });
  }
  return { accepted: reasons.length === 0, reasons };
}

/** One sentence naming every reason; the error carries the first failing check's name. */
export function rejectionError(verdict: PolicyVerdict): VerificationError {
  const first = verdict.reasons[0] ?? { check: "policy", message: "the verification was rejected" };
  return new VerificationError(
    first.check,
    `verification failed: ${verdict.reasons.map((r) => r.message).join("; ")}`,
  );
}

/** Throws the rejection as a VerificationError unless the policy accepts the report. */
export function enforcePolicy(report: VerificationReport, policy: Policy = {}): PolicyVerdict {
  const verdict = applyPolicy(report, policy);
  if (!verdict.accepted) throw rejectionError(verdict);
  return verdict;
}

/** Checks of the enclave's identity against expected values (hex, case-insensitive). */
export function expectedIdentityChecks(
  report: VerificationReport,
  expected: { mrEnclave?: string; mrSigner?: string },
): VerificationCheck[] {
  const checks: VerificationCheck[] = [];
  const compare = (
    name: string,
    label: string,
    actual: string | undefined,
    wanted: string | undefined,
  ): void => {
    if (wanted === undefined) return;
    const want = wanted.toLowerCase();
    if (actual === undefined)
      checks.push({ name, ok: false, skipped: true, reason: "not checked: the quote did not parse" });
    else if (actual === want) checks.push({ name, ok: true, reason: `${label} is ${actual}` });
    else checks.push({ name, ok: false, reason: `${label} is ${actual}, expected ${want}` });
  };
  compare("enclave.mrenclave", "MRENCLAVE", report.enclave?.mrEnclave, expected.mrEnclave);
  compare("enclave.mrsigner", "MRSIGNER", report.enclave?.mrSigner, expected.mrSigner);
  return checks;
}

/** A report with more checks (application-level: identity, RA-TLS binding…) appended. */
export function withChecks(report: VerificationReport, extra: VerificationCheck[]): VerificationReport {
  const checks = [...report.checks, ...extra];
  return { ...report, checks, checksPassed: checks.every((c) => c.ok) };
}

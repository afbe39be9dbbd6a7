// Human rendering of a verification: the verdict, the enclave, the TCB, the collateral, and with
// detail every check.
import type { PolicyVerdict } from "../attestation/policy.js";
import type { VerificationReport } from "../attestation/verify.js";

export function renderVerification(
  report: VerificationReport,
  verdict: PolicyVerdict,
  detail: boolean,
): string {
  const lines: string[] = [];
  lines.push(
    `Verdict:      ${verdict.accepted ? "accepted" : "rejected"}${report.mode === "simulation" ? " (simulation: no hardware protection)" : ""}`,
  );
  for (const reason of verdict.reasons) lines.push(`    - ${reason.message}`);
  if (report.enclave) {
    lines.push(`MRENCLAVE:    ${report.enclave.mrEnclave}`);
    lines.push(`MRSIGNER:     ${report.enclave.mrSigner}`);
    lines.push(
      `ISVPRODID:    ${report.enclave.isvProdId}    ISVSVN: ${report.enclave.isvSvn}    debug: ${report.enclave.debug}`,
    );
  }
  const tcb = report.tcb;
  lines.push(
    `TCB status:   ${tcb.status ?? "unknown"}${tcb.qeStatus ? ` (platform ${tcb.platformStatus}, QE ${tcb.qeStatus})` : ""}`,
  );
  const sources = [
    { ids: tcb.advisories.platform, from: "platform" },
    { ids: tcb.advisories.qe, from: "QE" },
  ].filter((source) => source.ids.length > 0);
  if (sources.length > 0) {
    lines.push(`Advisories:   ${sources.map((s) => `${s.ids.join(", ")} (${s.from})`).join("; ")}`);
  }
  lines.push(
    `Collateral:   ${report.collateral.expired ? "expired" : "current"} at ${report.verifiedAt}${report.collateral.earliestExpiration ? ` (earliest expiry ${report.collateral.earliestExpiration})` : ""}`,
  );
  for (const item of report.collateral.expiredItems) lines.push(`    - not current: ${item}`);
  if (detail) {
    lines.push("Checks:");
    for (const check of report.checks) {
      lines.push(
        `    ${check.ok ? "ok  " : check.skipped ? "skip" : "FAIL"}  ${check.name}: ${check.reason}`,
      );
    }
  }
  return lines.join("\n");
}

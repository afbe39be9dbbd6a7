// TCB level matching as Intel's QVL does it: the platform's level is the first TCB info level, in
// Intel's canonical order, whose 16 SGX component SVNs and PCESVN are all ≤ the PCK certificate's;
// the QE's level is the first QE identity level whose ISVSVN is ≤ the QE report's; the two
// statuses then converge into the quote's.
import type { EnclaveIdentity, EnclaveIdentityTcbLevel } from "./enclaveIdentity.js";
import type { PckTcb } from "./pck.js";
import type { TcbInfo, TcbLevel, TcbStatus } from "./tcbInfo.js";

export type QeTcbStatus = "UpToDate" | "OutOfDate" | "Revoked";

/** The platform's level; undefined when the platform is below every level (TCB not supported). */
export function matchTcbLevel(
  tcbInfo: TcbInfo,
  pckTcb: Pick<PckTcb, "componentSvns" | "pceSvn">,
): TcbLevel | undefined {
  // parseTcbInfo keeps the levels in canonical order, highest first.
  return tcbInfo.tcbLevels.find(
    (level) =>
      pckTcb.pceSvn >= level.pceSvn &&
      level.componentSvns.every((svn, i) => (pckTcb.componentSvns[i] ?? 0) >= svn),
  );
}

export interface QeTcbLevelMatch {
  status: QeTcbStatus;
  level: EnclaveIdentityTcbLevel;
}

/**
 * The QE's level, in the order the identity lists its levels (as Intel's QVL reads them);
 * undefined when the QE's ISVSVN is below every level: the QE identity does not support this QE
 * (QVL: ISVSVN not supported, which makes the quote's TCB not supported).
 */
export function matchQeTcbLevel(identity: EnclaveIdentity, isvSvn: number): QeTcbLevelMatch | undefined {
  const level = identity.tcbLevels.find((l) => l.isvSvn <= isvSvn);
  if (!level) return undefined;
  // QVL: anything but UpToDate or Revoked counts as an out-of-date quoting enclave.
  const status: QeTcbStatus =
    level.tcbStatus === "UpToDate" ? "UpToDate" : level.tcbStatus === "Revoked" ? "Revoked" : "OutOfDate";
  return { status, level };
}

/** Combines the platform's and the QE's TCB statuses into the quote's (QVL's convergence table). */
export function convergeTcbStatus(platform: TcbStatus, qe: QeTcbStatus): TcbStatus {
  if (qe === "Revoked") return "Revoked";
  if (qe === "OutOfDate") {
    if (platform === "UpToDate" || platform === "SWHardeningNeeded") return "OutOfDate";
    if (platform === "ConfigurationNeeded" || platform === "ConfigurationAndSWHardeningNeeded") {
      return "OutOfDateConfigurationNeeded";
    }
  }
  return platform;
}

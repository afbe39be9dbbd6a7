// TCB level matching as Intel's QVL does it: the platform's level is the first TCB info level whose
// 16 SGX component SVNs and PCESVN are all ≤ the PCK certificate's; the QE's level is the first QE
// identity level whose ISVSVN is ≤ the QE report's (none: Revoked); the two statuses then converge.
import type { EnclaveIdentity, EnclaveIdentityTcbLevel } from "./enclaveIdentity.js";
import type { PckTcb } from "./pck.js";
import { isTcbStatus, type TcbInfo, type TcbLevel, type TcbStatus } from "./tcbInfo.js";

export type QeTcbStatus = "UpToDate" | "OutOfDate" | "Revoked";

export function matchTcbLevel(
  tcbInfo: TcbInfo,
  pckTcb: Pick<PckTcb, "componentSvns" | "pceSvn">,
): TcbLevel | undefined {
  return tcbInfo.tcbLevels.find(
    (level) =>
      pckTcb.pceSvn >= level.pceSvn &&
      level.componentSvns.every((svn, i) => (pckTcb.componentSvns[i] ?? 0) >= svn),
  );
}

export interface QeTcbLevelMatch {
  status: QeTcbStatus;
  level: EnclaveIdentityTcbLevel | undefined;
}

/** Levels are listed newest first; an ISVSVN below every level is Revoked (QVL's rule). */
export function matchQeTcbLevel(identity: EnclaveIdentity, isvSvn: number): QeTcbLevelMatch {
  const level = identity.tcbLevels.find((l) => l.isvSvn <= isvSvn);
  if (!level) return { status: "Revoked", level: undefined };
  // QVL: anything but UpToDate or Revoked counts as an out-of-date quoting enclave.
  const status: QeTcbStatus =
    level.tcbStatus === "UpToDate" ? "UpToDate" : level.tcbStatus === "Revoked" ? "Revoked" : "OutOfDate";
  return { status, level };
}

/** Combines the platform's and the QE's TCB statuses into the quote's. */
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

export { isTcbStatus };

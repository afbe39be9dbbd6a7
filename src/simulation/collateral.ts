// The simulated platform's collateral, as Intel's PCS publishes it: TCB info v3, QE identity v2 (signed over the exact bytes served) and CRLs.
import { sign } from "node:crypto";
import type { Collateral } from "../attestation/collateral.js";
import { buildCrl, crlToPem, type RevokedEntry } from "./crl.js";
import type { Platform } from "./platform.js";
import { SIMULATION_ISSUER_CHAINS, simulationAuthorities, type PckCaKind } from "./pki.js";
import { QE_IDENTITY_POLICY, QE_TCB_LEVELS, SIMULATED_QE } from "./quotingEnclaveIdentity.js";
import {
  SIMULATION_FMSPC,
  SIMULATION_PCE_ID,
  SIMULATION_TCB_EVALUATION_DATA_NUMBER,
  TCB_LEVELS,
} from "./tcbLevels.js";

const DAY = 24 * 60 * 60 * 1000;
/** Intel's cadence: TCB info, QE identity and PCK CRLs for 30 days, the root CA CRL for a year. */
const VALIDITY = { signedJson: 30 * DAY, pckCrl: 30 * DAY, rootCrl: 365 * DAY } as const;

/** Intel's timestamps: ISO 8601 in UTC, to the second. */
function isoSeconds(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

function seconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

const TCB_COMPONENT_LABELS: ReadonlyArray<{ category?: string; type?: string }> = [
  { category: "BIOS", type: "Early Microcode Update" },
  { category: "OS/VMM", type: "SGX Late Microcode Update" },
  { category: "OS/VMM", type: "TXT SINIT" },
  { category: "BIOS" },
];

/** ECDSA-P256 with the TCB signing key over the exact text, hex of r ‖ s, as in Intel's "signature" fields. */
function signWithTcbKey(text: string): string {
  const key = simulationAuthorities().tcbSigning.privateKey;
  return sign("sha256", Buffer.from(text, "utf8"), { key, dsaEncoding: "ieee-p1363" }).toString("hex");
}

/** TCB info v3 (PCS API v4) lists components as objects; v2 (API v3) as sgxtcbcompNNsvn fields. */
function tcbOf(level: (typeof TCB_LEVELS)[number], version: 2 | 3): object {
  if (version === 3) {
    return {
      sgxtcbcomponents: level.components.map((svn, i) => ({ svn, ...TCB_COMPONENT_LABELS[i] })),
      pcesvn: level.pceSvn,
    };
  }
  const fields: Record<string, number> = {};
  level.components.forEach((svn, i) => (fields[`sgxtcbcomp${String(i + 1).padStart(2, "0")}svn`] = svn));
  return { ...fields, pcesvn: level.pceSvn };
}

/** The TCB info response body for the simulated FMSPC, `{"tcbInfo":…,"signature":…}`: v3 by default, v2 for PCS API v3. */
export function tcbInfoBody(now: Date = new Date(), version: 2 | 3 = 3): string {
  const tcbInfo = {
    ...(version === 3 ? { id: "SGX" } : {}),
    version,
    issueDate: isoSeconds(now),
    nextUpdate: isoSeconds(new Date(now.getTime() + VALIDITY.signedJson)),
    fmspc: SIMULATION_FMSPC,
    pceId: SIMULATION_PCE_ID,
    tcbType: 0,
    tcbEvaluationDataNumber: SIMULATION_TCB_EVALUATION_DATA_NUMBER,
    tcbLevels: TCB_LEVELS.map((level) => ({
      tcb: tcbOf(level, version),
      tcbDate: level.tcbDate,
      tcbStatus: level.status,
      ...(level.advisoryIds.length > 0 ? { advisoryIDs: [...level.advisoryIds] } : {}),
    })),
  };
  const text = JSON.stringify(tcbInfo);
  return `{"tcbInfo":${text},"signature":"${signWithTcbKey(text)}"}`;
}

/** The QE identity v2 response body for the simulated QE: `{"enclaveIdentity":…,"signature":…}`. */
export function qeIdentityBody(now: Date = new Date()): string {
  const enclaveIdentity = {
    id: "QE",
    version: 2,
    issueDate: isoSeconds(now),
    nextUpdate: isoSeconds(new Date(now.getTime() + VALIDITY.signedJson)),
    tcbEvaluationDataNumber: SIMULATION_TCB_EVALUATION_DATA_NUMBER,
    ...QE_IDENTITY_POLICY,
    mrsigner: Buffer.from(SIMULATED_QE.mrSigner).toString("hex").toUpperCase(),
    isvprodid: SIMULATED_QE.isvProdId,
    tcbLevels: QE_TCB_LEVELS.map((level) => ({
      tcb: { isvsvn: level.isvSvn },
      tcbDate: level.tcbDate,
      tcbStatus: level.status,
      ...(level.advisoryIds.length > 0 ? { advisoryIDs: [...level.advisoryIds] } : {}),
    })),
  };
  const text = JSON.stringify(enclaveIdentity);
  return `{"enclaveIdentity":${text},"signature":"${signWithTcbKey(text)}"}`;
}

/** The PCK certificates to list as revoked: those of platforms whose state is `revoked`. */
export function revokedPcks(platforms: readonly Platform[]): RevokedEntry[] {
  return platforms
    .filter((p) => p.tcbState === "revoked")
    .map((p) => ({ serialNumber: p.pckSerialNumber, revokedAt: p.createdAt }));
}

/** DER of the PCK CA's CRL, current at `now`. */
export function pckCrl(ca: PckCaKind, revoked: readonly RevokedEntry[], now: Date = new Date()): Uint8Array {
  const thisUpdate = seconds(now);
  return buildCrl({
    issuer: simulationAuthorities()[ca],
    thisUpdate,
    nextUpdate: new Date(thisUpdate.getTime() + VALIDITY.pckCrl),
    // Only the Platform CA issues simulated PCK certificates.
    revoked: ca === "platform" ? revoked.filter((r) => r.revokedAt <= now) : [],
  });
}

/** DER of the root CA's CRL (nothing revoked), current at `now`. */
export function rootCaCrl(now: Date = new Date()): Uint8Array {
  const thisUpdate = seconds(now);
  return buildCrl({
    issuer: simulationAuthorities().root,
    thisUpdate,
    nextUpdate: new Date(thisUpdate.getTime() + VALIDITY.rootCrl),
  });
}

/**
 * The collateral a verifier needs for this platform's quotes, current at `now`, exactly as a PCCS client
 * gets it from the simulated PCCS: PCK CRL as PEM, root CA CRL as hex of DER, signed bodies as served.
 */
export function collateralFor(platform: Platform, now: Date = new Date()): Collateral {
  return {
    pck_crl_issuer_chain: SIMULATION_ISSUER_CHAINS.pckCrl.platform,
    root_ca_crl: Buffer.from(rootCaCrl(now)).toString("hex"),
    pck_crl: crlToPem(pckCrl("platform", revokedPcks([platform]), now)).trim(),
    tcb_info_issuer_chain: SIMULATION_ISSUER_CHAINS.tcbInfo,
    tcb_info: tcbInfoBody(now),
    qe_identity_issuer_chain: SIMULATION_ISSUER_CHAINS.qeIdentity,
    qe_identity: qeIdentityBody(now),
  };
}

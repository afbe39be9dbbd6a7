// The report of a quote verification: every check by its stable name (a check whose prerequisite
// failed is recorded as skipped, never hidden), the TCB status with the advisories of the
// platform and of the QE, every dated piece of collateral with its window, and the identities the
// quote states. Built step by step while verifying (Checks, ValidityLog).
import { toHex } from "./bytes.js";
import { AttestationFormatError, VerificationError } from "./errors.js";
import type { ParsedCertificate } from "./certificate.js";
import type { PckExtension } from "./pck.js";
import { reportAttributes, type EnclaveReportBody, type Quote } from "./quote.js";
import type { QeTcbStatus } from "./tcb.js";
import type { TcbStatus } from "./tcbInfo.js";
import type { TrustMode } from "./trust.js";

/** Names of the checks, in the order they appear in a report. */
export const CHECKS = {
  quoteFormat: "quote.format",
  quoteHeader: "quote.header",
  pckCertificates: "pck.chain.certificates",
  pckSignatures: "pck.chain.signatures",
  pckRoot: "pck.chain.root",
  rootCaCrl: "crl.root_ca.signature",
  pckCrl: "crl.pck.signature",
  pckCrlIssuerChain: "crl.pck.issuer_chain",
  pckRevocation: "pck.revocation",
  tcbInfoFormat: "tcb_info.format",
  tcbInfoIssuerChain: "tcb_info.issuer_chain",
  tcbInfoSignature: "tcb_info.signature",
  tcbInfoPlatform: "tcb_info.platform",
  qeIdentityFormat: "qe_identity.format",
  qeIdentityIssuerChain: "qe_identity.issuer_chain",
  qeIdentitySignature: "qe_identity.signature",
  qeReportSignature: "qe_report.signature",
  qeReportData: "qe_report.data",
  qeIdentityMatch: "qe_identity.match",
  quoteSignature: "quote.signature",
  tcbLevel: "tcb.level",
  qeTcbLevel: "tcb.qe_level",
} as const;

export interface VerificationCheck {
  name: string;
  ok: boolean;
  reason: string;
  /** The check could not run because something it needs failed first. */
  skipped?: boolean;
}

/** One dated piece of collateral and whether the verification time falls inside its window. */
export interface CollateralValidity {
  name: string;
  notBefore: string;
  notAfter: string | null;
  current: boolean;
}

export interface EnclaveIdentityReport {
  mrEnclave: string;
  mrSigner: string;
  isvProdId: number;
  isvSvn: number;
  attributes: string;
  debug: boolean;
  mode64Bit: boolean;
  miscSelect: number;
  cpuSvn: string;
  configSvn: number;
  configId: string;
  isvExtProdId: string;
  isvFamilyId: string;
  reportData: string;
}

export interface PlatformReport {
  /** Which PCK CA issued the PCK certificate (PCCS's `ca` parameter). */
  ca: "platform" | "processor" | "unknown";
  fmspc: string;
  pceId: string;
  sgxType: string;
  pceSvn: number;
  componentSvns: number[];
  cpuSvn: string;
  ppid: string;
}

export interface TcbReport {
  /** The quote's TCB status: the platform's converged with the QE's. */
  status: TcbStatus | null;
  platformStatus: TcbStatus | null;
  qeStatus: QeTcbStatus | null;
  /** Every advisory ID of the verdict: the platform level's, then the QE level's. */
  advisoryIds: string[];
  /** Where each advisory ID comes from: the platform's TCB level, the QE's identity level. */
  advisories: { platform: string[]; qe: string[] };
  tcbDate: string | null;
  tcbEvaluationDataNumber: number | null;
}

export interface VerificationReport {
  mode: TrustMode;
  verifiedAt: string;
  trustedRoot: { sha256: string };
  /** Every check passed (signatures, chains, revocation, identities, TCB level found). */
  checksPassed: boolean;
  checks: VerificationCheck[];
  tcb: TcbReport;
  collateral: {
    expired: boolean;
    earliestExpiration: string | null;
    expiredItems: string[];
    items: CollateralValidity[];
  };
  enclave: EnclaveIdentityReport | null;
  quotingEnclave: { mrEnclave: string; mrSigner: string; isvProdId: number; isvSvn: number } | null;
  platform: PlatformReport | null;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Dates of cached collateral recur on every verification: format each instant once.
const isoStrings = new Map<number, string>();
export function iso(d: Date): string {
  const time = d.getTime();
  let text = isoStrings.get(time);
  if (text === undefined) {
    text = d.toISOString().replace(".000Z", "Z");
    if (isoStrings.size > 4096) isoStrings.clear();
    isoStrings.set(time, text);
  }
  return text;
}

/** A certificate as reports name it: its common name in quotes. */
export function describeCert(cert: ParsedCertificate): string {
  return `"${cert.subjectCommonName || "(no CN)"}"`;
}

/** Accumulates checks; a check whose prerequisites failed is recorded as skipped. */
export class Checks {
  readonly list: VerificationCheck[] = [];
  private readonly failed = new Set<string>();

  pass(name: string, reason: string): void {
    this.list.push({ name, ok: true, reason });
  }

  fail(name: string, reason: string): void {
    this.list.push({ name, ok: false, reason });
    this.failed.add(name);
  }

  /** Runs `body` unless a prerequisite failed; it returns a failure reason, or undefined when ok. */
  run(name: string, needs: string[], okReason: string, body: () => string | undefined): boolean {
    const missing = needs.filter((n) => this.failed.has(n));
    if (missing.length > 0) {
      this.list.push({ name, ok: false, skipped: true, reason: `not checked: ${missing.join(", ")} failed` });
      this.failed.add(name);
      return false;
    }
    let failure: string | undefined;
    try {
      failure = body();
    } catch (error) {
      // Malformed collateral fails its check; anything else is a fault of ours and must not hide as one.
      if (!(error instanceof AttestationFormatError || error instanceof VerificationError)) throw error;
      failure = message(error);
    }
    if (failure === undefined) this.pass(name, okReason);
    else this.fail(name, failure);
    return failure === undefined;
  }

  hasFailed(name: string): boolean {
    return this.failed.has(name);
  }
}

/** The validity window of every dated item met during a verification, each listed once. */
export class ValidityLog {
  // Keyed by item: a certificate by its parsed object (identical bytes give the same object).
  private readonly items = new Map<string | ParsedCertificate, CollateralValidity>();

  constructor(private readonly at: Date) {}

  add(key: string | ParsedCertificate, name: string, notBefore: Date, notAfter: Date | undefined): void {
    if (this.items.has(key)) return;
    this.items.set(key, {
      name,
      notBefore: iso(notBefore),
      notAfter: notAfter ? iso(notAfter) : null,
      current: notBefore <= this.at && (!notAfter || this.at <= notAfter),
    });
  }

  addCertificate(cert: ParsedCertificate, role: string): void {
    // Chains share certificates: name each one only the first time.
    if (this.items.has(cert)) return;
    this.add(cert, `${role} certificate ${describeCert(cert)}`, cert.fields.notBefore, cert.fields.notAfter);
  }

  /** The collateral section: expiry is reported here, apart from the checks, as the QvE reports it. */
  summary(): VerificationReport["collateral"] {
    const items = [...this.items.values()];
    const expiredItems = items.filter((i) => !i.current);
    const expirations = items.flatMap((i) => (i.notAfter ? [i.notAfter] : [])).sort();
    return {
      expired: expiredItems.length > 0,
      earliestExpiration: expirations[0] ?? null,
      expiredItems: expiredItems.map((i) => `${i.name} (${i.notBefore} .. ${i.notAfter ?? "no end"})`),
      items,
    };
  }
}

export function enclaveReport(body: EnclaveReportBody): EnclaveIdentityReport {
  const attributes = reportAttributes(body.attributes);
  return {
    mrEnclave: toHex(body.mrEnclave),
    mrSigner: toHex(body.mrSigner),
    isvProdId: body.isvProdId,
    isvSvn: body.isvSvn,
    attributes: toHex(body.attributes),
    debug: attributes.debug,
    mode64Bit: attributes.mode64Bit,
    miscSelect: body.miscSelect,
    cpuSvn: toHex(body.cpuSvn),
    configSvn: body.configSvn,
    configId: toHex(body.configId),
    isvExtProdId: toHex(body.isvExtProdId),
    isvFamilyId: toHex(body.isvFamilyId),
    reportData: toHex(body.reportData),
  };
}

export function quotingEnclaveReport(quote: Quote): VerificationReport["quotingEnclave"] {
  const qe = quote.signatureData.qeReport;
  return {
    mrEnclave: toHex(qe.mrEnclave),
    mrSigner: toHex(qe.mrSigner),
    isvProdId: qe.isvProdId,
    isvSvn: qe.isvSvn,
  };
}

function pckCaOf(leaf: ParsedCertificate): PlatformReport["ca"] {
  const issuer = leaf.issuerCommonName;
  if (issuer.includes("Platform")) return "platform";
  if (issuer.includes("Processor")) return "processor";
  return "unknown";
}

export function platformReport(leaf: ParsedCertificate, ext: PckExtension): PlatformReport {
  return {
    ca: pckCaOf(leaf),
    fmspc: toHex(ext.fmspc),
    pceId: toHex(ext.pceId),
    sgxType: ext.sgxType,
    pceSvn: ext.tcb.pceSvn,
    componentSvns: ext.tcb.componentSvns,
    cpuSvn: toHex(ext.tcb.cpuSvn),
    ppid: toHex(ext.ppid),
  };
}

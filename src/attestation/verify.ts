// Intel SGX DCAP quote verification (what Intel's QVL/QvE does for an ECDSA v3 quote), returning a
// report of every check instead of stopping at the first failure. Collateral expiry is reported
// separately from the checks, as the QvE reports it apart from the verification result; the
// policy layer decides what is acceptable.
import { createHash, verify as verifySignatureRaw, type KeyObject } from "node:crypto";
import { bytesEqual, toHex } from "./bytes.js";
import { bytesKey, ContentCache, ownedCopy, PairMemo } from "./cache.js";
import { p256PublicKey, parseCertificate, type ParsedCertificate } from "./certificate.js";
import type { Collateral } from "./collateral.js";
import { parseCrl, type ParsedCrl } from "./crl.js";
import { parseEnclaveIdentity, type EnclaveIdentity } from "./enclaveIdentity.js";
import { AttestationFormatError, VerificationError } from "./errors.js";
import type { PckExtension } from "./pck.js";
import { certificatesFromPem } from "./pem.js";
import {
  certificationChainDers,
  parseQuote,
  quoteSignedBytes,
  QUOTE_HEADER_SIZE,
  REPORT_BODY_SIZE,
  reportAttributes,
  serializeReportBody,
  type EnclaveReportBody,
  type Quote,
} from "./quote.js";
import { INTEL_SGX_ROOT_CA_DER, INTEL_SGX_ROOT_CA_SHA256 } from "./roots.js";
import { parseSignedJson, type SignedJson } from "./signedJson.js";
import { convergeTcbStatus, matchQeTcbLevel, matchTcbLevel, type QeTcbStatus } from "./tcb.js";
import { isTcbStatus, parseTcbInfo, type TcbInfo, type TcbStatus } from "./tcbInfo.js";

export type TrustMode = "sgx" | "simulation";

/** Names of the checks, in the order they appear in a report. */
export const CHECKS = {
  quoteFormat: "quote.format",
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

export interface VerificationReport {
  mode: TrustMode;
  verifiedAt: string;
  trustedRoot: { sha256: string };
  /** Every check passed (signatures, chains, revocation, identities, TCB level found). */
  checksPassed: boolean;
  checks: VerificationCheck[];
  tcb: {
    /** The quote's TCB status: the platform's converged with the QE's. */
    status: TcbStatus | null;
    platformStatus: string | null;
    qeStatus: QeTcbStatus | null;
    advisoryIds: string[];
    tcbDate: string | null;
    tcbEvaluationDataNumber: number | null;
  };
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

export interface VerifyQuoteOptions {
  quote: Uint8Array | Quote;
  collateral: Collateral;
  /** Verification time (default: now), as Intel's QVL's expiration check date. */
  at?: Date;
  /** DER of the trust anchor; defaults to the pinned Intel SGX Root CA. */
  trustedRoot?: Uint8Array;
  /** "simulation" is required to trust any root other than Intel's. */
  trustMode?: TrustMode;
}

// Parsed collateral, keyed by its exact text (see cache.ts).
interface ParsedSigned<T> {
  signed: SignedJson;
  value: T;
}
const chains = new ContentCache<ParsedCertificate[]>(128);
const quoteChains = new ContentCache<ParsedCertificate[]>(256);
const tcbInfos = new ContentCache<ParsedSigned<TcbInfo>>(64);
const qeIdentities = new ContentCache<ParsedSigned<EnclaveIdentity>>(64);
const attestationKeys = new ContentCache<KeyObject>(256);

// The QE report and its signature are the same in every quote one platform produces (they certify
// the attestation key, not the application enclave), so their check is memoised like collateral:
// keyed on the exact report (fixed size) and signature bytes, and on the parsed PCK certificate.
interface SignedBytes {
  data: Uint8Array;
  signature: Uint8Array;
}
const qeReports = new ContentCache<SignedBytes>(256);
const qeReportChecks = new PairMemo<SignedBytes, ParsedCertificate, boolean>();

function qeReportVerifies(report: Uint8Array, signature: Uint8Array, pck: ParsedCertificate): boolean {
  const signed = qeReports.get(bytesKey(report) + bytesKey(signature), () => ({
    data: ownedCopy(report),
    signature: ownedCopy(signature),
  }));
  return qeReportChecks.get(signed, pck, () => ecdsaP1363(signed.data, pck.publicKey, signed.signature));
}

function parseChain(text: string, what: string): ParsedCertificate[] {
  return chains.get(text, () =>
    certificatesFromPem(text, what).map((der, i) => parseCertificate(der, `${what} #${i + 1}`)),
  );
}

function parseSigned<T>(
  cache: ContentCache<ParsedSigned<T>>,
  body: string,
  key: "tcbInfo" | "enclaveIdentity",
  what: string,
  parse: (value: unknown) => T,
): ParsedSigned<T> {
  return cache.get(body, () => {
    const signed = parseSignedJson(body, key, what);
    return { signed, value: parse(signed.value) };
  });
}

// "This signed JSON verifies with that certificate's key", per pair of parsed objects.
const signedJsonChecks = new PairMemo<ParsedSigned<unknown>, ParsedCertificate, boolean>();

function signedJsonVerifies<T>(parsed: ParsedSigned<T>, signer: ParsedCertificate): boolean {
  return signedJsonChecks.get(parsed, signer, () =>
    ecdsaP1363(Buffer.from(parsed.signed.signedText, "utf8"), signer.publicKey, parsed.signed.signature),
  );
}

function ecdsaP1363(data: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  try {
    return verifySignatureRaw("sha256", data, { key, dsaEncoding: "ieee-p1363" }, signature);
  } catch {
    return false;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Dates of cached collateral recur on every verification: format each instant once.
const isoStrings = new Map<number, string>();
function iso(d: Date): string {
  const time = d.getTime();
  let text = isoStrings.get(time);
  if (text === undefined) {
    text = d.toISOString().replace(".000Z", "Z");
    if (isoStrings.size > 4096) isoStrings.clear();
    isoStrings.set(time, text);
  }
  return text;
}

/** Accumulates checks; a check whose prerequisites failed is recorded as skipped. */
class Checks {
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

function describeCert(cert: ParsedCertificate): string {
  return `"${cert.subjectCommonName || "(no CN)"}"`;
}

/** Same subject and key as the anchor: the anchor itself, even if re-encoded or re-issued. */
function isAnchor(cert: ParsedCertificate, anchor: ParsedCertificate): boolean {
  return (
    cert.isSameAs(anchor) ||
    (bytesEqual(cert.fields.subject, anchor.fields.subject) &&
      bytesEqual(cert.fields.spki, anchor.fields.spki))
  );
}

function rootName(mode: TrustMode): string {
  return mode === "sgx" ? "the Intel SGX Root CA" : "the trusted simulation root CA";
}

/**
 * Checks an issuer chain (leaf first) up to the anchor: each certificate signed by the next, CAs
 * marked as CAs, the top either the anchor or signed by it, and nothing revoked by the root CA CRL.
 */
function chainFailure(
  certs: ParsedCertificate[],
  anchor: ParsedCertificate,
  mode: TrustMode,
  rootCrl: ParsedCrl | undefined,
): string | undefined {
  for (let i = 0; i + 1 < certs.length; i++) {
    const cert = certs[i]!;
    const issuer = certs[i + 1]!;
    if (!issuer.isCa || !issuer.mayUseKeyFor(5)) return `${describeCert(issuer)} is not a CA certificate`;
    if (!cert.isSignedBy(issuer)) return `${describeCert(cert)} is not signed by ${describeCert(issuer)}`;
  }
  const top = certs[certs.length - 1]!;
  if (!isAnchor(top, anchor) && !top.isSignedBy(anchor)) {
    return `the chain is not rooted in ${rootName(mode)} (its top certificate ${describeCert(top)} has SHA-256 ${top.fingerprint})`;
  }
  if (rootCrl) {
    const revoked = certs.find(
      (c) =>
        !isAnchor(c, anchor) && bytesEqual(c.fields.issuer, anchor.fields.subject) && rootCrl.isRevoked(c),
    );
    if (revoked) return `${describeCert(revoked)} is revoked by the root CA CRL`;
  }
  return undefined;
}

function enclaveReport(body: EnclaveReportBody): EnclaveIdentityReport {
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

function pckCaOf(leaf: ParsedCertificate): PlatformReport["ca"] {
  const issuer = leaf.issuerCommonName;
  if (issuer.includes("Platform")) return "platform";
  if (issuer.includes("Processor")) return "processor";
  return "unknown";
}

function platformReport(leaf: ParsedCertificate, ext: PckExtension): PlatformReport {
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

function maskedEqual(value: Uint8Array, mask: Uint8Array, expected: Uint8Array): boolean {
  if (value.length !== mask.length || mask.length !== expected.length) return false;
  for (let i = 0; i < value.length; i++) if ((value[i]! & mask[i]!) !== expected[i]) return false;
  return true;
}

/** The anchor, checked against the trust mode: only "simulation" may trust a non-Intel root. */
function resolveAnchor(trustedRoot: Uint8Array | undefined, mode: TrustMode): ParsedCertificate {
  const anchor = parseCertificate(trustedRoot ?? INTEL_SGX_ROOT_CA_DER, "trusted root CA");
  if (mode === "sgx" && anchor.fingerprint !== INTEL_SGX_ROOT_CA_SHA256) {
    throw new AttestationFormatError(
      `trust mode "sgx" trusts only the Intel SGX Root CA (SHA-256 ${INTEL_SGX_ROOT_CA_SHA256}); a different root requires trust mode "simulation"`,
    );
  }
  return anchor;
}

export function verifyQuote(options: VerifyQuoteOptions): VerificationReport {
  const mode: TrustMode = options.trustMode ?? "sgx";
  const at = options.at ?? new Date();
  if (Number.isNaN(at.getTime())) throw new AttestationFormatError("verification time is not a valid date");
  const anchor = resolveAnchor(options.trustedRoot, mode);
  const collateral = options.collateral;
  const checks = new Checks();
  // Keyed by item: a certificate by its parsed object (identical bytes give the same object).
  const validity = new Map<string | ParsedCertificate, CollateralValidity>();
  const addValidity = (
    key: string | ParsedCertificate,
    name: string,
    notBefore: Date,
    notAfter: Date | undefined,
  ): void => {
    if (validity.has(key)) return;
    validity.set(key, {
      name,
      notBefore: iso(notBefore),
      notAfter: notAfter ? iso(notAfter) : null,
      current: notBefore <= at && (!notAfter || at <= notAfter),
    });
  };
  const addCertValidity = (cert: ParsedCertificate, role: string): void =>
    addValidity(
      cert,
      `${role} certificate ${describeCert(cert)}`,
      cert.fields.notBefore,
      cert.fields.notAfter,
    );

  // 1. The quote itself.
  let quote: Quote | undefined;
  let signedBytes: Uint8Array | undefined;
  let qeReportBytes: Uint8Array | undefined;
  let pckChain: ParsedCertificate[] | undefined;
  checks.run(
    CHECKS.quoteFormat,
    [],
    "quote v3, ECDSA-256-with-P-256, PCK certificate chain certification data",
    () => {
      if (options.quote instanceof Uint8Array) {
        quote = parseQuote(options.quote);
        signedBytes = options.quote.subarray(0, QUOTE_HEADER_SIZE + REPORT_BODY_SIZE);
        const qeStart = QUOTE_HEADER_SIZE + REPORT_BODY_SIZE + 4 + 128;
        qeReportBytes = options.quote.subarray(qeStart, qeStart + REPORT_BODY_SIZE);
      } else {
        quote = options.quote;
        signedBytes = quoteSignedBytes(quote);
        qeReportBytes = serializeReportBody(quote.signatureData.qeReport);
      }
      const certData = quote.signatureData.certificationData;
      pckChain = quoteChains.get(bytesKey(certData.data), () =>
        certificationChainDers(certData).map((der, i) => parseCertificate(der, `quote PCK chain #${i + 1}`)),
      );
      return undefined;
    },
  );

  // 2. The PCK certificate chain from the quote.
  let leaf: ParsedCertificate | undefined;
  let pckCa: ParsedCertificate | undefined;
  let pckExt: PckExtension | undefined;
  checks.run(CHECKS.pckCertificates, [CHECKS.quoteFormat], "PCK certificate, PCK CA and root CA", () => {
    const chain = pckChain!;
    if (chain.length !== 3)
      return `the quote carries ${chain.length} certificates; a PCK chain has exactly 3`;
    [leaf, pckCa] = chain;
    if (!leaf!.subjectCommonName.includes("SGX PCK Certificate")) {
      return `the first certificate ${describeCert(leaf!)} is not an SGX PCK certificate`;
    }
    if (leaf!.isCa) return `the PCK certificate ${describeCert(leaf!)} is marked as a CA`;
    pckExt = leaf!.pckExtension;
    chain.forEach((cert, i) => addCertValidity(cert, ["PCK", "PCK CA", "root CA"][i]!));
    return undefined;
  });
  checks.run(CHECKS.pckSignatures, [CHECKS.pckCertificates], "each certificate is signed by the next", () => {
    const [l, ca, root] = pckChain!;
    if (!ca!.isCa || !ca!.mayUseKeyFor(5)) return `${describeCert(ca!)} is not a CA certificate`;
    if (!l!.isSignedBy(ca!)) return `the PCK certificate is not signed by ${describeCert(ca!)}`;
    if (!ca!.isSignedBy(root!)) return `${describeCert(ca!)} is not signed by ${describeCert(root!)}`;
    return undefined;
  });
  checks.run(CHECKS.pckRoot, [CHECKS.pckCertificates], `rooted in ${rootName(mode)}`, () => {
    const root = pckChain![2]!;
    if (!isAnchor(root, anchor)) {
      return `the PCK certificate chain is not rooted in ${rootName(mode)} (its root ${describeCert(root)} has SHA-256 ${root.fingerprint})`;
    }
    if (!root.isSignedBy(anchor)) return `the root certificate's self-signature does not verify`;
    return undefined;
  });

  // 3. CRLs: the root CA CRL (signed by the root) and the PCK CRL (signed by the PCK CA).
  let rootCrl: ParsedCrl | undefined;
  let pckCrl: ParsedCrl | undefined;
  checks.run(CHECKS.rootCaCrl, [], `signed by ${rootName(mode)}`, () => {
    rootCrl = parseCrl(collateral.root_ca_crl, "root CA CRL");
    addValidity("crl:root", "root CA CRL", rootCrl.thisUpdate, rootCrl.nextUpdate);
    if (!rootCrl.isSignedBy(anchor)) return `the root CA CRL is not signed by ${rootName(mode)}`;
    return undefined;
  });
  checks.run(
    CHECKS.pckCrl,
    [CHECKS.pckCertificates],
    "signed by the PCK CA that issued the PCK certificate",
    () => {
      pckCrl = parseCrl(collateral.pck_crl, "PCK CRL");
      addValidity("crl:pck", "PCK CRL", pckCrl.thisUpdate, pckCrl.nextUpdate);
      if (!bytesEqual(pckCrl.issuer, leaf!.fields.issuer)) {
        return `the PCK CRL is issued by another CA than the PCK certificate's ${describeCert(pckCa!)}`;
      }
      if (!pckCrl.isSignedBy(pckCa!)) return `the PCK CRL is not signed by ${describeCert(pckCa!)}`;
      return undefined;
    },
  );
  checks.run(
    CHECKS.pckCrlIssuerChain,
    [CHECKS.pckCertificates],
    "the PCK CRL issuer chain is the PCK CA's",
    () => {
      const chain = parseChain(collateral.pck_crl_issuer_chain, "PCK CRL issuer chain");
      chain.forEach((cert) => addCertValidity(cert, "PCK CRL issuer chain"));
      if (!chain[0]!.isSameAs(pckCa!)) {
        return `the PCK CRL issuer chain starts with ${describeCert(chain[0]!)}, not the quote's PCK CA`;
      }
      return chainFailure(chain, anchor, mode, undefined);
    },
  );
  checks.run(
    CHECKS.pckRevocation,
    [CHECKS.pckCertificates, CHECKS.rootCaCrl, CHECKS.pckCrl],
    "neither the PCK CA nor the PCK certificate is revoked",
    () => {
      if (rootCrl!.isRevoked(pckCa!))
        return `the PCK CA ${describeCert(pckCa!)} is revoked by the root CA CRL`;
      if (pckCrl!.isRevoked(leaf!))
        return `the PCK certificate (serial ${leaf!.fields.serialHex}) is revoked by the PCK CRL`;
      return undefined;
    },
  );

  // 4. TCB info: signed by the TCB signing certificate, which chains to the root; matches the platform.
  let tcbInfo: ParsedSigned<TcbInfo> | undefined;
  let tcbChain: ParsedCertificate[] | undefined;
  checks.run(CHECKS.tcbInfoFormat, [], "TCB info body parses", () => {
    tcbInfo = parseSigned(tcbInfos, collateral.tcb_info, "tcbInfo", "TCB info", parseTcbInfo);
    addValidity("tcb_info", "TCB info", tcbInfo.value.issueDate, tcbInfo.value.nextUpdate);
    return undefined;
  });
  checks.run(
    CHECKS.tcbInfoIssuerChain,
    [],
    `TCB signing chain rooted in ${rootName(mode)}, not revoked`,
    () => {
      tcbChain = parseChain(collateral.tcb_info_issuer_chain, "TCB info issuer chain");
      tcbChain.forEach((cert) => addCertValidity(cert, "TCB signing chain"));
      return chainFailure(tcbChain, anchor, mode, checks.hasFailed(CHECKS.rootCaCrl) ? undefined : rootCrl);
    },
  );
  checks.run(
    CHECKS.tcbInfoSignature,
    [CHECKS.tcbInfoFormat, CHECKS.tcbInfoIssuerChain],
    "signature over the exact tcbInfo bytes verifies",
    () =>
      signedJsonVerifies(tcbInfo!, tcbChain![0]!)
        ? undefined
        : `the TCB info signature does not verify with ${describeCert(tcbChain![0]!)}`,
  );
  checks.run(
    CHECKS.tcbInfoPlatform,
    [CHECKS.tcbInfoFormat, CHECKS.pckCertificates],
    "TCB info is for this platform (SGX, FMSPC, PCE-ID)",
    () => {
      const info = tcbInfo!.value;
      if (info.id !== "SGX") return `the TCB info is for "${info.id}", not SGX`;
      if (info.tcbType !== 0) return `TCB type ${info.tcbType} is not supported (only 0)`;
      if (info.fmspc !== toHex(pckExt!.fmspc)) {
        return `the TCB info is for FMSPC ${info.fmspc}, the PCK certificate's is ${toHex(pckExt!.fmspc)}`;
      }
      if (info.pceId !== toHex(pckExt!.pceId)) {
        return `the TCB info is for PCE-ID ${info.pceId}, the PCK certificate's is ${toHex(pckExt!.pceId)}`;
      }
      return undefined;
    },
  );

  // 5. QE identity: signed like the TCB info.
  let qeIdentity: ParsedSigned<EnclaveIdentity> | undefined;
  let qeChain: ParsedCertificate[] | undefined;
  checks.run(CHECKS.qeIdentityFormat, [], "QE identity body parses", () => {
    qeIdentity = parseSigned(
      qeIdentities,
      collateral.qe_identity,
      "enclaveIdentity",
      "QE identity",
      parseEnclaveIdentity,
    );
    addValidity("qe_identity", "QE identity", qeIdentity.value.issueDate, qeIdentity.value.nextUpdate);
    return undefined;
  });
  checks.run(
    CHECKS.qeIdentityIssuerChain,
    [],
    `QE identity signing chain rooted in ${rootName(mode)}, not revoked`,
    () => {
      qeChain = parseChain(collateral.qe_identity_issuer_chain, "QE identity issuer chain");
      qeChain.forEach((cert) => addCertValidity(cert, "QE identity signing chain"));
      return chainFailure(qeChain, anchor, mode, checks.hasFailed(CHECKS.rootCaCrl) ? undefined : rootCrl);
    },
  );
  checks.run(
    CHECKS.qeIdentitySignature,
    [CHECKS.qeIdentityFormat, CHECKS.qeIdentityIssuerChain],
    "signature over the exact enclaveIdentity bytes verifies",
    () =>
      signedJsonVerifies(qeIdentity!, qeChain![0]!)
        ? undefined
        : `the QE identity signature does not verify with ${describeCert(qeChain![0]!)}`,
  );

  // 6. The QE report, signed by the PCK key, binds the attestation key and QE auth data.
  checks.run(CHECKS.qeReportSignature, [CHECKS.pckCertificates], "QE report signed by the PCK key", () =>
    qeReportVerifies(qeReportBytes!, quote!.signatureData.qeReportSignature, leaf!)
      ? undefined
      : "the QE report signature does not verify with the PCK certificate's key",
  );
  checks.run(
    CHECKS.qeReportData,
    [CHECKS.quoteFormat],
    "QE report data = SHA-256(attestation key ‖ QE auth data)",
    () => {
      const sig = quote!.signatureData;
      const expected = createHash("sha256").update(sig.attestationKey).update(sig.qeAuthData).digest();
      return bytesEqual(expected, sig.qeReport.reportData.subarray(0, 32))
        ? undefined
        : "the QE report data does not hash the attestation key and QE auth data";
    },
  );
  let qeStatus: QeTcbStatus | undefined;
  let qeAdvisories: string[] = [];
  checks.run(
    CHECKS.qeIdentityMatch,
    [CHECKS.quoteFormat, CHECKS.qeIdentityFormat],
    "the QE matches Intel's QE identity",
    () => {
      const identity = qeIdentity!.value;
      const qe = quote!.signatureData.qeReport;
      if (identity.id !== "QE") return `the QE identity is for "${identity.id}", not the SGX QE`;
      if ((qe.miscSelect & identity.miscselectMask) >>> 0 !== identity.miscselect >>> 0) {
        return "the QE's MISCSELECT does not match the QE identity";
      }
      if (!maskedEqual(qe.attributes, identity.attributesMask, identity.attributes)) {
        return "the QE's ATTRIBUTES do not match the QE identity";
      }
      if (!bytesEqual(qe.mrSigner, identity.mrsigner)) {
        return `the QE's MRSIGNER ${toHex(qe.mrSigner)} is not the QE identity's ${toHex(identity.mrsigner)}`;
      }
      if (qe.isvProdId !== identity.isvProdId) {
        return `the QE's ISVPRODID ${qe.isvProdId} is not the QE identity's ${identity.isvProdId}`;
      }
      const match = matchQeTcbLevel(identity, qe.isvSvn);
      qeStatus = match.status;
      qeAdvisories = match.level?.advisoryIds ?? [];
      return undefined;
    },
  );

  // 7. The quote body, signed by the attestation key.
  checks.run(
    CHECKS.quoteSignature,
    [CHECKS.quoteFormat],
    "header and report body signed by the attestation key",
    () => {
      const sig = quote!.signatureData;
      const key = attestationKeys.get(bytesKey(sig.attestationKey), () => p256PublicKey(sig.attestationKey));
      return ecdsaP1363(signedBytes!, key, sig.isvEnclaveReportSignature)
        ? undefined
        : "the quote signature does not verify with the attestation key";
    },
  );

  // 8. TCB level of the platform (from the PCK certificate), converged with the QE's.
  let platformStatus: string | undefined;
  let status: TcbStatus | undefined;
  let level: ReturnType<typeof matchTcbLevel>;
  checks.run(
    CHECKS.tcbLevel,
    [CHECKS.tcbInfoFormat, CHECKS.pckCertificates],
    "the platform's TCB level is listed",
    () => {
      level = matchTcbLevel(tcbInfo!.value, pckExt!.tcb);
      if (!level) return "no TCB level of the TCB info matches the PCK certificate's TCB (TCB not supported)";
      platformStatus = level.tcbStatus;
      if (!isTcbStatus(level.tcbStatus))
        return `the matching TCB level has an unrecognised status "${level.tcbStatus}"`;
      status = qeStatus ? convergeTcbStatus(level.tcbStatus, qeStatus) : undefined;
      return undefined;
    },
  );

  const items = [...validity.values()];
  const expiredItems = items.filter((i) => !i.current);
  const expirations = items.flatMap((i) => (i.notAfter ? [i.notAfter] : [])).sort();
  const advisoryIds = [
    ...new Set([...(level?.advisoryIds ?? []), ...(qeStatus && qeStatus !== "UpToDate" ? qeAdvisories : [])]),
  ];
  return {
    mode,
    verifiedAt: iso(at),
    trustedRoot: { sha256: anchor.fingerprint },
    checksPassed: checks.list.every((c) => c.ok),
    checks: checks.list,
    tcb: {
      status: status ?? null,
      platformStatus: platformStatus ?? null,
      qeStatus: qeStatus ?? null,
      advisoryIds,
      tcbDate: level?.tcbDate ?? null,
      tcbEvaluationDataNumber: tcbInfo?.value.tcbEvaluationDataNumber ?? null,
    },
    collateral: {
      expired: expiredItems.length > 0,
      earliestExpiration: expirations[0] ?? null,
      expiredItems: expiredItems.map((i) => `${i.name} (${i.notBefore} .. ${i.notAfter ?? "no end"})`),
      items,
    },
    enclave: quote ? enclaveReport(quote.reportBody) : null,
    quotingEnclave: quote
      ? {
          mrEnclave: toHex(quote.signatureData.qeReport.mrEnclave),
          mrSigner: toHex(quote.signatureData.qeReport.mrSigner),
          isvProdId: quote.signatureData.qeReport.isvProdId,
          isvSvn: quote.signatureData.qeReport.isvSvn,
        }
      : null,
    platform: leaf && pckExt ? platformReport(leaf, pckExt) : null,
  };
}

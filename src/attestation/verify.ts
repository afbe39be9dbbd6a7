// Intel SGX DCAP quote verification (what Intel's QVL/QvE does for an ECDSA v3 quote), returning a
// report of every check instead of stopping at the first failure. Who may sign what is
// signerRules.ts, the TCB level matching tcb.ts, the report verificationReport.ts; this file runs
// the checks in order. Collateral expiry is reported apart from the checks, as the QvE reports it;
// the policy layer decides what is acceptable.
import { createHash } from "node:crypto";
import { bytesEqual, toHex } from "./bytes.js";
import type { ParsedCertificate } from "./certificate.js";
import type { Collateral } from "./collateral.js";
import { parseCrl, type ParsedCrl } from "./crl.js";
import type { EnclaveIdentity } from "./enclaveIdentity.js";
import { AttestationFormatError } from "./errors.js";
import type { PckExtension } from "./pck.js";
import {
  INTEL_QE_VENDOR_ID,
  parseQuote,
  quoteSignedBytes,
  QUOTE_HEADER_SIZE,
  REPORT_BODY_SIZE,
  serializeReportBody,
  type Quote,
} from "./quote.js";
import { crlFailure, pckCrlIssuerChainFailure, tcbSigningChainFailure } from "./signerRules.js";
import { convergeTcbStatus, matchQeTcbLevel, matchTcbLevel, type QeTcbLevelMatch } from "./tcb.js";
import type { TcbInfo, TcbLevel } from "./tcbInfo.js";
import { isAnchor, resolveTrust, rootName, type Trust, type TrustOptions } from "./trust.js";
import {
  attestationKey,
  ecdsaP1363,
  parseChain,
  parseQuoteChain,
  parseSignedQeIdentity,
  parseSignedTcbInfo,
  qeReportVerifies,
  signedJsonVerifies,
  type ParsedSigned,
} from "./verificationInputs.js";
import {
  CHECKS,
  Checks,
  describeCert,
  enclaveReport,
  iso,
  platformReport,
  quotingEnclaveReport,
  ValidityLog,
  type VerificationReport,
} from "./verificationReport.js";

export type { TrustMode } from "./trust.js";
export { CHECKS } from "./verificationReport.js";
export type {
  CollateralValidity,
  EnclaveIdentityReport,
  PlatformReport,
  VerificationCheck,
  VerificationReport,
} from "./verificationReport.js";

export interface VerifyQuoteOptions extends TrustOptions {
  quote: Uint8Array | Quote;
  collateral: Collateral;
  /** Verification time (default: now), as Intel's QVL's expiration check date. */
  at?: Date;
}

function maskedEqual(value: Uint8Array, mask: Uint8Array, expected: Uint8Array): boolean {
  if (value.length !== mask.length || mask.length !== expected.length) return false;
  for (let i = 0; i < value.length; i++) if ((value[i]! & mask[i]!) !== expected[i]) return false;
  return true;
}

/** One verification: the checks run in order, each recording what later ones need. */
class QuoteVerification {
  private readonly checks = new Checks();
  private readonly validity: ValidityLog;
  private quote: Quote | undefined;
  private signedBytes: Uint8Array | undefined;
  private qeReportBytes: Uint8Array | undefined;
  private pckChain: ParsedCertificate[] | undefined;
  private leaf: ParsedCertificate | undefined;
  private pckCa: ParsedCertificate | undefined;
  private pckExtension: PckExtension | undefined;
  private rootCrl: ParsedCrl | undefined;
  private pckCrl: ParsedCrl | undefined;
  private tcbInfo: ParsedSigned<TcbInfo> | undefined;
  private qeIdentity: ParsedSigned<EnclaveIdentity> | undefined;
  private platformLevel: TcbLevel | undefined;
  private qeLevel: QeTcbLevelMatch | undefined;

  constructor(
    private readonly trust: Trust,
    private readonly collateral: Collateral,
    private readonly at: Date,
  ) {
    this.validity = new ValidityLog(at);
  }

  /** 1. The quote: format, header, and the PCK chain it carries. */
  readQuote(input: Uint8Array | Quote): void {
    const { checks } = this;
    checks.run(
      CHECKS.quoteFormat,
      [],
      "quote v3, ECDSA-256-with-P-256, PCK certificate chain certification data",
      () => {
        if (input instanceof Uint8Array) {
          this.quote = parseQuote(input);
          this.signedBytes = input.subarray(0, QUOTE_HEADER_SIZE + REPORT_BODY_SIZE);
          const qeStart = QUOTE_HEADER_SIZE + REPORT_BODY_SIZE + 4 + 128;
          this.qeReportBytes = input.subarray(qeStart, qeStart + REPORT_BODY_SIZE);
        } else {
          this.quote = input;
          this.signedBytes = quoteSignedBytes(input);
          this.qeReportBytes = serializeReportBody(input.signatureData.qeReport);
        }
        this.pckChain = parseQuoteChain(this.quote.signatureData.certificationData);
        return undefined;
      },
    );
    checks.run(CHECKS.quoteHeader, [CHECKS.quoteFormat], "Intel's QE vendor ID, TEE type 0 (SGX)", () => {
      const header = this.quote!.header;
      if (toHex(header.qeVendorId) !== INTEL_QE_VENDOR_ID) {
        return `the QE vendor ID ${toHex(header.qeVendorId)} is not Intel's ${INTEL_QE_VENDOR_ID} (Intel QVL: UNSUPPORTED_QUOTE_FORMAT)`;
      }
      if (header.teeType !== 0) {
        return `a v3 quote is for SGX (TEE type 0), this one says TEE type ${header.teeType} (Intel QVL: UNSUPPORTED_QUOTE_FORMAT)`;
      }
      return undefined;
    });
  }

  /** 2. The PCK certificate chain from the quote, up to the trusted root. */
  checkPckChain(): void {
    const { checks, trust } = this;
    checks.run(CHECKS.pckCertificates, [CHECKS.quoteFormat], "PCK certificate, PCK CA and root CA", () => {
      const chain = this.pckChain!;
      if (chain.length !== 3)
        return `the quote carries ${chain.length} certificates; a PCK chain has exactly 3`;
      const [leaf, pckCa] = chain;
      if (!leaf!.subjectCommonName.includes("SGX PCK Certificate")) {
        return `the first certificate ${describeCert(leaf!)} is not an SGX PCK certificate`;
      }
      if (leaf!.isCa) return `the PCK certificate ${describeCert(leaf!)} is marked as a CA`;
      this.leaf = leaf;
      this.pckCa = pckCa;
      this.pckExtension = leaf!.pckExtension;
      chain.forEach((cert, i) => this.validity.addCertificate(cert, ["PCK", "PCK CA", "root CA"][i]!));
      return undefined;
    });
    checks.run(
      CHECKS.pckSignatures,
      [CHECKS.pckCertificates],
      "each certificate is signed by the next",
      () => {
        const [leaf, ca, root] = this.pckChain!;
        if (!ca!.isCa || !ca!.mayUseKeyFor(5)) return `${describeCert(ca!)} is not a CA certificate`;
        if (!leaf!.isSignedBy(ca!)) return `the PCK certificate is not signed by ${describeCert(ca!)}`;
        if (!ca!.isSignedBy(root!)) return `${describeCert(ca!)} is not signed by ${describeCert(root!)}`;
        return undefined;
      },
    );
    checks.run(CHECKS.pckRoot, [CHECKS.pckCertificates], `rooted in ${rootName(trust.mode)}`, () => {
      const root = this.pckChain![2]!;
      if (!isAnchor(root, trust.root)) {
        return `the PCK certificate chain is not rooted in ${rootName(trust.mode)} (its root ${describeCert(root)} has SHA-256 ${root.fingerprint})`;
      }
      if (!root.isSignedBy(trust.root)) return `the root certificate's self-signature does not verify`;
      return undefined;
    });
  }

  /** 3. The CRLs (root CA's, PCK CA's, with the PCK CRL's issuer chain) and revocation. */
  checkRevocation(): void {
    const { checks, trust, collateral, validity } = this;
    checks.run(CHECKS.rootCaCrl, [], `issued and signed by ${rootName(trust.mode)}`, () => {
      this.rootCrl = parseCrl(collateral.root_ca_crl, "root CA CRL");
      validity.add("crl:root", "root CA CRL", this.rootCrl.thisUpdate, this.rootCrl.nextUpdate);
      return crlFailure(this.rootCrl, trust.root, "root CA CRL");
    });
    checks.run(
      CHECKS.pckCrl,
      [CHECKS.pckCertificates],
      "issued and signed by the PCK CA that issued the PCK certificate",
      () => {
        this.pckCrl = parseCrl(collateral.pck_crl, "PCK CRL");
        validity.add("crl:pck", "PCK CRL", this.pckCrl.thisUpdate, this.pckCrl.nextUpdate);
        return crlFailure(this.pckCrl, this.pckCa!, "PCK CRL");
      },
    );
    checks.run(
      CHECKS.pckCrlIssuerChain,
      [CHECKS.pckCertificates],
      "[PCK CA, root CA], the PCK CA being the quote's",
      () => {
        const chain = parseChain(collateral.pck_crl_issuer_chain, "PCK CRL issuer chain");
        chain.forEach((cert) => validity.addCertificate(cert, "PCK CRL issuer chain"));
        return pckCrlIssuerChainFailure(chain, trust, this.pckCa!);
      },
    );
    checks.run(
      CHECKS.pckRevocation,
      [CHECKS.pckCertificates, CHECKS.rootCaCrl, CHECKS.pckCrl],
      "neither the PCK CA nor the PCK certificate is revoked",
      () => {
        if (this.rootCrl!.isRevoked(this.pckCa!))
          return `the PCK CA ${describeCert(this.pckCa!)} is revoked by the root CA CRL`;
        if (this.pckCrl!.isRevoked(this.leaf!))
          return `the PCK certificate (serial ${this.leaf!.fields.serialHex}) is revoked by the PCK CRL`;
        return undefined;
      },
    );
  }

  /** The issuer chain of a signed collateral item, each certificate's validity logged. */
  private signingChain(text: string, what: string, role: string): ParsedCertificate[] {
    const chain = parseChain(text, `${what} issuer chain`);
    chain.forEach((cert) => this.validity.addCertificate(cert, role));
    return chain;
  }

  private verifiedRootCrl(): ParsedCrl | undefined {
    return this.checks.hasFailed(CHECKS.rootCaCrl) ? undefined : this.rootCrl;
  }

  /** 4. TCB info: signed by the TCB Signing certificate only; for this platform. */
  checkTcbInfo(): void {
    const { checks, collateral } = this;
    let chain: ParsedCertificate[] | undefined;
    checks.run(CHECKS.tcbInfoFormat, [], "TCB info body parses, its levels valid", () => {
      this.tcbInfo = parseSignedTcbInfo(collateral.tcb_info);
      const info = this.tcbInfo.value;
      this.validity.add("tcb_info", "TCB info", info.issueDate, info.nextUpdate);
      return undefined;
    });
    checks.run(CHECKS.tcbInfoIssuerChain, [], "[TCB Signing, root CA], nothing revoked", () => {
      chain = this.signingChain(collateral.tcb_info_issuer_chain, "TCB info", "TCB signing chain");
      return tcbSigningChainFailure(chain, this.trust, this.verifiedRootCrl());
    });
    checks.run(
      CHECKS.tcbInfoSignature,
      [CHECKS.tcbInfoFormat, CHECKS.tcbInfoIssuerChain],
      "signature over the exact tcbInfo bytes verifies",
      () =>
        signedJsonVerifies(this.tcbInfo!, chain![0]!)
          ? undefined
          : `the TCB info signature does not verify with ${describeCert(chain![0]!)}`,
    );
    checks.run(
      CHECKS.tcbInfoPlatform,
      [CHECKS.tcbInfoFormat, CHECKS.pckCertificates],
      "TCB info is for this platform (SGX, FMSPC, PCE-ID)",
      () => {
        const info = this.tcbInfo!.value;
        const ext = this.pckExtension!;
        if (info.id !== "SGX") return `the TCB info is for "${info.id}", not SGX`;
        if (info.tcbType !== 0) return `TCB type ${info.tcbType} is not supported (only 0)`;
        if (info.fmspc !== toHex(ext.fmspc)) {
          return `the TCB info is for FMSPC ${info.fmspc}, the PCK certificate's is ${toHex(ext.fmspc)}`;
        }
        if (info.pceId !== toHex(ext.pceId)) {
          return `the TCB info is for PCE-ID ${info.pceId}, the PCK certificate's is ${toHex(ext.pceId)}`;
        }
        return undefined;
      },
    );
  }

  /** 5. QE identity: signed like the TCB info. */
  checkQeIdentity(): void {
    const { checks, collateral } = this;
    let chain: ParsedCertificate[] | undefined;
    checks.run(CHECKS.qeIdentityFormat, [], "QE identity body parses, its levels valid", () => {
      this.qeIdentity = parseSignedQeIdentity(collateral.qe_identity);
      const identity = this.qeIdentity.value;
      this.validity.add("qe_identity", "QE identity", identity.issueDate, identity.nextUpdate);
      return undefined;
    });
    checks.run(CHECKS.qeIdentityIssuerChain, [], "[TCB Signing, root CA], nothing revoked", () => {
      chain = this.signingChain(
        collateral.qe_identity_issuer_chain,
        "QE identity",
        "QE identity signing chain",
      );
      return tcbSigningChainFailure(chain, this.trust, this.verifiedRootCrl());
    });
    checks.run(
      CHECKS.qeIdentitySignature,
      [CHECKS.qeIdentityFormat, CHECKS.qeIdentityIssuerChain],
      "signature over the exact enclaveIdentity bytes verifies",
      () =>
        signedJsonVerifies(this.qeIdentity!, chain![0]!)
          ? undefined
          : `the QE identity signature does not verify with ${describeCert(chain![0]!)}`,
    );
  }

  /** 6. The QE report, signed by the PCK key, binds the attestation key; the QE is Intel's. */
  checkQuotingEnclave(): void {
    const { checks } = this;
    checks.run(CHECKS.qeReportSignature, [CHECKS.pckCertificates], "QE report signed by the PCK key", () =>
      qeReportVerifies(this.qeReportBytes!, this.quote!.signatureData.qeReportSignature, this.leaf!)
        ? undefined
        : "the QE report signature does not verify with the PCK certificate's key",
    );
    checks.run(
      CHECKS.qeReportData,
      [CHECKS.quoteFormat],
      "QE report data = SHA-256(attestation key ‖ QE auth data)",
      () => {
        const sig = this.quote!.signatureData;
        const expected = createHash("sha256").update(sig.attestationKey).update(sig.qeAuthData).digest();
        return bytesEqual(expected, sig.qeReport.reportData.subarray(0, 32))
          ? undefined
          : "the QE report data does not hash the attestation key and QE auth data";
      },
    );
    checks.run(
      CHECKS.qeIdentityMatch,
      [CHECKS.quoteFormat, CHECKS.qeIdentitySignature],
      "the QE matches Intel's QE identity",
      () => {
        const identity = this.qeIdentity!.value;
        const qe = this.quote!.signatureData.qeReport;
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
        return undefined;
      },
    );
  }

  /** 7. The quote body, signed by the attestation key. */
  checkQuoteSignature(): void {
    this.checks.run(
      CHECKS.quoteSignature,
      [CHECKS.quoteFormat],
      "header and report body signed by the attestation key",
      () => {
        const sig = this.quote!.signatureData;
        return ecdsaP1363(
          this.signedBytes!,
          attestationKey(sig.attestationKey),
          sig.isvEnclaveReportSignature,
        )
          ? undefined
          : "the quote signature does not verify with the attestation key";
      },
    );
  }

  /** 8. The TCB levels of the platform (from the PCK certificate) and of the QE. */
  matchTcbLevels(): void {
    const { checks } = this;
    // Levels are read only from collateral that verified: a forged TCB info states no status.
    checks.run(
      CHECKS.tcbLevel,
      [CHECKS.tcbInfoSignature, CHECKS.tcbInfoPlatform],
      "the platform's TCB level is listed",
      () => {
        this.platformLevel = matchTcbLevel(this.tcbInfo!.value, this.pckExtension!.tcb);
        return this.platformLevel
          ? undefined
          : "no TCB level of the TCB info matches the PCK certificate's TCB (Intel QVL: TCB_NOT_SUPPORTED)";
      },
    );
    checks.run(
      CHECKS.qeTcbLevel,
      [CHECKS.qeIdentityMatch],
      "the QE's ISVSVN has a level in the QE identity",
      () => {
        const isvSvn = this.quote!.signatureData.qeReport.isvSvn;
        this.qeLevel = matchQeTcbLevel(this.qeIdentity!.value, isvSvn);
        return this.qeLevel
          ? undefined
          : `the QE's ISVSVN ${isvSvn} is below every level of the QE identity, which does not support it (Intel QVL: TCB_NOT_SUPPORTED)`;
      },
    );
  }

  report(): VerificationReport {
    const { platformLevel, qeLevel, quote } = this;
    const platformAdvisories = platformLevel?.advisoryIds ?? [];
    const qeAdvisories = qeLevel?.level.advisoryIds ?? [];
    return {
      mode: this.trust.mode,
      verifiedAt: iso(this.at),
      trustedRoot: { sha256: this.trust.root.fingerprint },
      checksPassed: this.checks.list.every((c) => c.ok),
      checks: this.checks.list,
      tcb: {
        status: platformLevel && qeLevel ? convergeTcbStatus(platformLevel.tcbStatus, qeLevel.status) : null,
        platformStatus: platformLevel?.tcbStatus ?? null,
        qeStatus: qeLevel?.status ?? null,
        advisoryIds: [...new Set([...platformAdvisories, ...qeAdvisories])],
        advisories: { platform: [...platformAdvisories], qe: [...qeAdvisories] },
        tcbDate: platformLevel?.tcbDate ?? null,
        tcbEvaluationDataNumber: this.tcbInfo?.value.tcbEvaluationDataNumber ?? null,
      },
      collateral: this.validity.summary(),
      enclave: quote ? enclaveReport(quote.reportBody) : null,
      quotingEnclave: quote ? quotingEnclaveReport(quote) : null,
      platform: this.leaf && this.pckExtension ? platformReport(this.leaf, this.pckExtension) : null,
    };
  }
}

export function verifyQuote(options: VerifyQuoteOptions): VerificationReport {
  const at = options.at ?? new Date();
  if (Number.isNaN(at.getTime())) throw new AttestationFormatError("verification time is not a valid date");
  const trust = resolveTrust(options);
  const verification = new QuoteVerification(trust, options.collateral, at);
  verification.readQuote(options.quote);
  verification.checkPckChain();
  verification.checkRevocation();
  verification.checkTcbInfo();
  verification.checkQeIdentity();
  verification.checkQuotingEnclave();
  verification.checkQuoteSignature();
  verification.matchTcbLevels();
  return verification.report();
}

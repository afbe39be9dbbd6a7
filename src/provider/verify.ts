// `msehome verify`: the code provider's decision to trust an enclave. Reads the operator's
// evidence, verifies the quote with Intel DCAP (verifyQuote), checks that the enclave is the
// expected code (MRENCLAVE), signed by the expected key (MRSIGNER from the signer key), and
// speaking through this RA-TLS certificate; applies the policy; writes ratls.pem on success only.
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import {
  applyPolicy,
  expectedIdentityChecks,
  rejectionError,
  withChecks,
  type Policy,
  type PolicyReason,
} from "../attestation/policy.js";
import { mrsignerFromPublicKey } from "../attestation/mrsigner.js";
import {
  checkCertificateValidity,
  checkReportDataBinding,
  extractQuoteFromCertificate,
} from "../attestation/ratls.js";
import { verifyQuote, type VerificationCheck, type VerificationReport } from "../attestation/verify.js";
import { writeFileAtomically } from "../crypto/atomicOutput.js";
import { parseEvidence, type Evidence } from "../model/evidence.js";
import { verificationTrust } from "./verificationTrust.js";

export interface VerifyEvidenceRequest {
  evidencePath: string;
  outputDir: string;
  /** The expected MRENCLAVE (64 hex digits). */
  mrEnclave?: string;
  /** A package to recompute MRENCLAVE from (needs the Docker integration, see below). */
  packagePath?: string;
  at?: Date;
  policy?: Policy;
  simulation?: boolean;
}

export interface VerifyEvidenceResult {
  accepted: boolean;
  evidence: string;
  mode: Evidence["mode"];
  /** The expected MRENCLAVE the enclave was compared with. */
  expectedMrEnclave: string;
  /** MRSIGNER computed from the evidence's signer public key. */
  expectedMrSigner: string;
  reasons: PolicyReason[];
  report: VerificationReport;
  /** Written only when accepted. */
  ratlsCertificate: string | null;
  warning?: string;
}

export const RATLS_CERTIFICATE_FILE = "ratls.pem";

/** The error a rejected verification ends with: one sentence naming every reason. */
export function verificationRejection(result: VerifyEvidenceResult): Error {
  return rejectionError({ accepted: result.accepted, reasons: result.reasons });
}

async function readEvidence(file: string): Promise<Evidence> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new Error(`cannot read the evidence file ${file}`, { cause });
  }
  return parseEvidence(text, file);
}

/** The MRENCLAVE to expect: given, or recomputed from the package. */
function expectedMrEnclave(request: VerifyEvidenceRequest): string {
  if (request.mrEnclave !== undefined) return request.mrEnclave.toLowerCase();
  if (request.packagePath !== undefined) {
    throw new Error(
      `recomputing MRENCLAVE from ${request.packagePath} needs the Docker integration that runs the package's image with --dry-run, which this version does not have yet; pass the expected measurement with --mrenclave <64 hex digits> instead`,
    );
  }
  throw new Error("verify needs the expected MRENCLAVE: --mrenclave <hex> or --package <file>");
}

/** The application-level checks that bind the quote to this deployment. */
function deploymentChecks(
  evidence: Evidence,
  quote: Uint8Array,
  report: VerificationReport,
  at: Date,
  expected: { mrEnclave: string; mrSigner: string },
): VerificationCheck[] {
  return [
    ...expectedIdentityChecks(report, expected),
    checkReportDataBinding(evidence.certificatePem, quote),
    checkCertificateValidity(evidence.certificatePem, at),
  ];
}

export async function verifyEvidence(request: VerifyEvidenceRequest): Promise<VerifyEvidenceResult> {
  const mrEnclave = expectedMrEnclave(request);
  const evidence = await readEvidence(request.evidencePath);
  if (evidence.mode === "simulation" && request.simulation !== true) {
    throw new Error(
      `${request.evidencePath} comes from a simulated SGX platform; verifying it needs --simulation, and proves no hardware protection`,
    );
  }
  const trust = verificationTrust(request.simulation === true);
  const at = request.at ?? new Date();
  const mrSigner = mrsignerFromPublicKey(evidence.signerPublicKeyPem);
  const quote = extractQuoteFromCertificate(evidence.certificatePem);
  const quoteReport = verifyQuote({
    quote,
    collateral: evidence.collateral,
    at,
    trustMode: trust.trustMode,
    ...(trust.trustedRoot ? { trustedRoot: trust.trustedRoot } : {}),
  });
  const report = withChecks(
    quoteReport,
    deploymentChecks(evidence, quote, quoteReport, at, { mrEnclave, mrSigner }),
  );
  const verdict = applyPolicy(report, request.policy);
  let ratlsCertificate: string | null = null;
  if (verdict.accepted) {
    await mkdir(request.outputDir, { recursive: true });
    ratlsCertificate = path.join(request.outputDir, RATLS_CERTIFICATE_FILE);
    const pem = evidence.certificatePem.endsWith("\n")
      ? evidence.certificatePem
      : `${evidence.certificatePem}\n`;
    await writeFileAtomically(ratlsCertificate, new TextEncoder().encode(pem), 0o644);
  }
  return {
    accepted: verdict.accepted,
    evidence: request.evidencePath,
    mode: report.mode,
    expectedMrEnclave: mrEnclave,
    expectedMrSigner: mrSigner,
    reasons: verdict.reasons,
    report,
    ratlsCertificate,
    ...(trust.warning ? { warning: trust.warning } : {}),
  };
}

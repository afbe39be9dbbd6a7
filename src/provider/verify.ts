// `msehome verify --evidence`: the code provider's decision to trust an enclave from the operator's
// evidence. Verifies the quote with Intel DCAP (verifyQuote), checks that the enclave is the
// expected code (MRENCLAVE), signed by the expected key (MRSIGNER from the signer key), and
// speaking through this RA-TLS certificate; applies the policy; writes ratls.pem on success only.
// With --package, the expected MRENCLAVE is recomputed from the code provider's own package under
// the evidence's spawn arguments, and the evidence's application must be the package's.
import { mrsignerFromPublicKey } from "../attestation/mrsigner.js";
import type { PolicyReason } from "../attestation/policy.js";
import { extractQuoteFromCertificate } from "../attestation/ratls.js";
import type { VerificationReport } from "../attestation/verify.js";
import type { Evidence } from "../model/evidence.js";
import { verifyEnclave } from "./enclaveVerification.js";
import {
  applicationCheck,
  certificateNamesCheck,
  expectedMrEnclave,
  readEvidenceFile,
  type ExpectedMeasurement,
} from "./expectedEnclave.js";
import type { PackageMeasurement } from "./packageMeasurement.js";
import { SIMULATION_EVIDENCE_HINT, writeRatlsCertificate } from "./verificationResult.js";
import { resolvePolicy, type PolicyRequest } from "./verificationPolicy.js";

export interface VerifyEvidenceRequest extends ExpectedMeasurement, PolicyRequest {
  evidencePath: string;
  outputDir: string;
  at?: Date;
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
  /** How MRENCLAVE was recomputed from the package, with --package. */
  package: (PackageMeasurement & { path: string }) | null;
  /** Written only when accepted. */
  ratlsCertificate: string | null;
  warning?: string;
  /** What to do about a rejection, when msehome knows. */
  hint?: string;
}

export async function verifyEvidence(request: VerifyEvidenceRequest): Promise<VerifyEvidenceResult> {
  if (request.mrEnclave === undefined && request.packagePath === undefined) {
    throw new Error("verify needs the expected MRENCLAVE: --mrenclave <hex> or --package <file>");
  }
  const policy = await resolvePolicy(request);
  const evidence = await readEvidenceFile(request.evidencePath);
  const { mrEnclave, measured } = await expectedMrEnclave(request, evidence);
  const mrSigner = mrsignerFromPublicKey(evidence.signerPublicKeyPem);
  const { report, verdict, warning } = verifyEnclave({
    quote: extractQuoteFromCertificate(evidence.certificatePem),
    collateral: evidence.collateral,
    certificatePem: evidence.certificatePem,
    certificateChecks: [certificateNamesCheck(evidence.certificatePem, evidence)],
    expected: { mrEnclave, mrSigner },
    moreChecks: measured ? [applicationCheck(evidence, measured)] : [],
    at: request.at ?? new Date(),
    policy,
    simulation: request.simulation === true,
  });
  const ratlsCertificate = verdict.accepted
    ? await writeRatlsCertificate(request.outputDir, evidence.certificatePem)
    : null;
  return {
    accepted: verdict.accepted,
    evidence: request.evidencePath,
    mode: report.mode,
    expectedMrEnclave: mrEnclave,
    expectedMrSigner: mrSigner,
    reasons: verdict.reasons,
    report,
    ratlsCertificate,
    package: measured && request.packagePath ? { path: request.packagePath, ...measured } : null,
    ...(warning ? { warning } : {}),
    // Simulated evidence verified against Intel's root fails at its root; say why.
    ...(!verdict.accepted && evidence.mode === "simulation" && request.simulation !== true
      ? { hint: SIMULATION_EVIDENCE_HINT }
      : {}),
  };
}

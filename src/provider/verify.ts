// `msehome verify`: the code provider's decision to trust an enclave. Reads the operator's
// evidence, verifies the quote with Intel DCAP (verifyQuote), checks that the enclave is the
// expected code (MRENCLAVE), signed by the expected key (MRSIGNER from the signer key), and
// speaking through this RA-TLS certificate; applies the policy; writes ratls.pem on success only.
// With --package, the expected MRENCLAVE is recomputed from the code provider's own package under
// the evidence's spawn arguments (packageMeasurement), and the evidence's application must be the
// package's.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { rejectionError, type Policy, type PolicyReason } from "../attestation/policy.js";
import { mrsignerFromPublicKey } from "../attestation/mrsigner.js";
import { extractQuoteFromCertificate } from "../attestation/ratls.js";
import { VerificationError } from "../attestation/errors.js";
import type { VerificationCheck, VerificationReport } from "../attestation/verify.js";
import { writeFileAtomically } from "../crypto/atomicOutput.js";
import type { DockerEngine } from "../docker/engine.js";
import { parseEvidence, type Evidence } from "../model/evidence.js";
import { readInputText } from "../model/inputFile.js";
import { measurePackage, type PackageMeasurement } from "./packageMeasurement.js";
import { verifyEnclave } from "./enclaveVerification.js";

export interface VerifyEvidenceRequest {
  evidencePath: string;
  outputDir: string;
  /** The expected MRENCLAVE (64 hex digits). */
  mrEnclave?: string;
  /** A package to recompute MRENCLAVE from: its image runs once with --dry-run (needs Docker). */
  packagePath?: string;
  /** The engine `packagePath` is measured with (default: the one DOCKER_HOST names). */
  engine?: DockerEngine;
  /** What happens now (the package measurement takes a while). */
  onPhase?(message: string): void;
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
  /** How MRENCLAVE was recomputed from the package, with --package. */
  package: (PackageMeasurement & { path: string }) | null;
  /** Written only when accepted. */
  ratlsCertificate: string | null;
  warning?: string;
  /** What to do about a rejection, when msehome knows. */
  hint?: string;
}

export const RATLS_CERTIFICATE_FILE = "ratls.pem";

/** The error a rejected verification ends with: one sentence naming every reason. */
export function verificationRejection(result: VerifyEvidenceResult): Error {
  const error = rejectionError({ accepted: result.accepted, reasons: result.reasons });
  if (!result.hint) return error;
  return new VerificationError(error.check, `${error.message}; ${result.hint}`);
}

/** Said when simulated evidence is verified against Intel's root, which is why it failed. */
export const SIMULATION_EVIDENCE_HINT =
  "the evidence says it comes from a simulated SGX platform, which Intel's root never signs: verify it with --simulation, which proves no hardware protection";

async function readEvidence(file: string): Promise<Evidence> {
  return parseEvidence(await readInputText(file, "the evidence file"), file);
}

/** The MRENCLAVE to expect: given, or recomputed from the package under the evidence's spawn arguments. */
async function expectedMrEnclave(
  request: VerifyEvidenceRequest,
  evidence: Evidence,
): Promise<{ mrEnclave: string; measured: PackageMeasurement | null }> {
  if (request.mrEnclave !== undefined) return { mrEnclave: request.mrEnclave.toLowerCase(), measured: null };
  if (request.packagePath !== undefined) {
    const measured = await measurePackage(request.packagePath, evidence.spawnArgs, evidence.mode, {
      ...(request.engine ? { engine: request.engine } : {}),
      ...(request.onPhase ? { onPhase: request.onPhase } : {}),
    });
    return { mrEnclave: measured.mrEnclave, measured };
  }
  throw new Error("verify needs the expected MRENCLAVE: --mrenclave <hex> or --package <file>");
}

/** The enclave serves the module and export the package's mse.toml names, not another one of its code. */
function applicationCheck(evidence: Evidence, measured: PackageMeasurement): VerificationCheck {
  const served = evidence.spawnArgs.application;
  return served === measured.application
    ? { name: "enclave.application", ok: true, reason: `the enclave serves ${served}, as mse.toml says` }
    : {
        name: "enclave.application",
        ok: false,
        reason: `the enclave serves ${served}, but the package's mse.toml names ${measured.application}`,
      };
}

export async function verifyEvidence(request: VerifyEvidenceRequest): Promise<VerifyEvidenceResult> {
  if (request.mrEnclave === undefined && request.packagePath === undefined) {
    throw new Error("verify needs the expected MRENCLAVE: --mrenclave <hex> or --package <file>");
  }
  const evidence = await readEvidence(request.evidencePath);
  const { mrEnclave, measured } = await expectedMrEnclave(request, evidence);
  const mrSigner = mrsignerFromPublicKey(evidence.signerPublicKeyPem);
  const { report, verdict, warning } = verifyEnclave({
    quote: extractQuoteFromCertificate(evidence.certificatePem),
    collateral: evidence.collateral,
    certificatePem: evidence.certificatePem,
    expected: { mrEnclave, mrSigner },
    moreChecks: measured ? [applicationCheck(evidence, measured)] : [],
    at: request.at ?? new Date(),
    policy: request.policy,
    simulation: request.simulation === true,
  });
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
    package: measured && request.packagePath ? { path: request.packagePath, ...measured } : null,
    ...(warning ? { warning } : {}),
    // Simulated evidence verified against Intel's root fails at its root; say why.
    ...(!verdict.accepted && evidence.mode === "simulation" && request.simulation !== true
      ? { hint: SIMULATION_EVIDENCE_HINT }
      : {}),
  };
}

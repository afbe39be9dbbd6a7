// What `verify` and `verify --url` end with: ratls.pem written only when the enclave is accepted,
// or one sentence naming every reason it was not, with msehome's hint when it has one.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { VerificationError } from "../attestation/errors.js";
import { rejectionError, type PolicyReason } from "../attestation/policy.js";
import { writeFileAtomically } from "../crypto/atomicOutput.js";

export const RATLS_CERTIFICATE_FILE = "ratls.pem";

/** Said when a simulated enclave is verified against Intel's root, which is why it failed. */
export function simulationHint(subject: string): string {
  return `${subject} comes from a simulated SGX platform, which Intel's root never signs: verify it with --simulation, which proves no hardware protection`;
}

export const SIMULATION_EVIDENCE_HINT = simulationHint("the evidence says it");

export interface Verdict {
  accepted: boolean;
  reasons: PolicyReason[];
  /** What to do about a rejection, when msehome knows. */
  hint?: string;
}

/** The error a rejected verification ends with: one sentence naming every reason. */
export function verificationRejection(result: Verdict): Error {
  const error = rejectionError({ accepted: result.accepted, reasons: result.reasons });
  if (!result.hint) return error;
  return new VerificationError(error.check, `${error.message}; ${result.hint}`);
}

/** Writes the verified RA-TLS certificate as DIR/ratls.pem (whole or not at all); returns its path. */
export async function writeRatlsCertificate(outputDir: string, certificatePem: string): Promise<string> {
  await mkdir(outputDir, { recursive: true });
  const file = path.join(outputDir, RATLS_CERTIFICATE_FILE);
  const pem = certificatePem.endsWith("\n") ? certificatePem : `${certificatePem}\n`;
  await writeFileAtomically(file, new TextEncoder().encode(pem), 0o644);
  return file;
}

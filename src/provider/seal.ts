// `msehome seal`: encrypts a secrets file to the enclave, with libsodium's crypto_box_seal to the
// X25519 key the enclave put in its quote's report_data[32..64]. The certificate is the ratls.pem
// that `verify` wrote after checking the quote; seal re-checks that the quote binds that
// certificate's key, so a swapped certificate cannot redirect the secrets.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { toHex } from "../attestation/bytes.js";
import { VerificationError } from "../attestation/errors.js";
import { parseQuote } from "../attestation/quote.js";
import {
  checkReportDataBinding,
  enclavePublicKeyFromReportData,
  extractQuoteFromCertificate,
} from "../attestation/ratls.js";
import { writeFileAtomically } from "../crypto/atomicOutput.js";
import { sealBox } from "../crypto/sealedBox.js";
import { readInputFile } from "../model/inputFile.js";

export interface SealRequest {
  secretsPath: string;
  certificatePath: string;
  outputDir: string;
}

export interface SealResult {
  secrets: string;
  output: string;
  /** The enclave's X25519 public key the secrets are sealed to (hex). */
  enclavePublicKey: string;
  bytes: number;
}

/** Secrets are configuration, not data: sealing happens in memory. */
export const MAX_SECRETS_BYTES = 16 * 1024 * 1024;

export const SEALED_SUFFIX = ".sealed";

function readInput(file: string, what: string): Promise<Buffer> {
  return readInputFile(file, `the ${what}`, MAX_SECRETS_BYTES);
}

export async function seal(request: SealRequest): Promise<SealResult> {
  const certificate = (await readInput(request.certificatePath, "certificate")).toString("utf8");
  const secrets = await readInput(request.secretsPath, "secrets file");
  // The enclave hands them to the app as a JSON file, as run does with plain secrets: a damaged
  // file is refused here, before it is sealed and sent (its content is never echoed).
  try {
    JSON.parse(secrets.toString("utf8"));
  } catch {
    throw new Error(`the secrets file ${request.secretsPath} is not a JSON document`);
  }
  const quoteBytes = extractQuoteFromCertificate(certificate);
  const binding = checkReportDataBinding(certificate, quoteBytes);
  if (!binding.ok) throw new VerificationError(binding.name, `${request.certificatePath}: ${binding.reason}`);
  const key = enclavePublicKeyFromReportData(parseQuote(quoteBytes).reportBody.reportData);
  if (key.every((b) => b === 0)) {
    throw new Error(
      `the enclave of ${request.certificatePath} put no X25519 key in its quote (report_data[32..64] is all zero), so nothing can be sealed to it; it predates sealed secrets — pass the secrets unsealed or redeploy with a current msehome`,
    );
  }
  const sealed = sealBox(secrets, key);
  await mkdir(request.outputDir, { recursive: true });
  const output = path.join(request.outputDir, `${path.basename(request.secretsPath)}${SEALED_SUFFIX}`);
  await writeFileAtomically(output, sealed, 0o644);
  return { secrets: request.secretsPath, output, enclavePublicKey: toHex(key), bytes: sealed.length };
}

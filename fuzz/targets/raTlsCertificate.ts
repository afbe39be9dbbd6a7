// RA-TLS certificates, as `seal`, `run` and `quote show` receive them (PEM or DER): the quote
// extension, the key hash the quote must bind, the validity window, the enclave's X25519 key.
import fc from "fast-check";
import { AttestationFormatError } from "../../src/attestation/errors.js";
import { parseQuote } from "../../src/attestation/quote.js";
import {
  certificateKeyHash,
  checkCertificateValidity,
  checkReportDataBinding,
  enclavePublicKeyFromReportData,
  extractQuoteFromCertificate,
} from "../../src/attestation/ratls.js";
import { certificateDer } from "../../src/attestation/ratls.js";
import { mutatedBytes, mutatedText, PEM_TOKENS } from "../mutations.js";
import { defineTarget } from "../target.js";

export const raTlsCertificateTarget = defineTarget<string | Uint8Array>({
  name: "ratls-certificate",
  drives: "RA-TLS quote extension, certificate key hash, validity, report_data binding",
  allowed: [AttestationFormatError],
  input: (seeds) =>
    fc.oneof(
      mutatedText(seeds.raTlsPems, PEM_TOKENS),
      mutatedBytes(seeds.raTlsPems.map((pem) => certificateDer(pem))),
    ),
  run(certificate) {
    const quote = parseQuote(extractQuoteFromCertificate(certificate));
    certificateKeyHash(certificate);
    checkCertificateValidity(certificate, new Date());
    checkReportDataBinding(certificate, quote);
    enclavePublicKeyFromReportData(quote.reportBody.reportData);
  },
  testRuns: 1000,
  show: (certificate) => certificate,
});

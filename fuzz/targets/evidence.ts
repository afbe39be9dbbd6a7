// evidence.json, ours (simulated) and the original msehome's (real hardware), and what `verify`
// reads from it next: the signer key's MRSIGNER, the quote in the RA-TLS certificate, and the whole
// enclave verification (DCAP, identity, RA-TLS binding and validity) with the policy.
import { AttestationFormatError, VerificationError } from "../../src/attestation/errors.js";
import { mrsignerFromPublicKey } from "../../src/attestation/mrsigner.js";
import { extractQuoteFromCertificate } from "../../src/attestation/ratls.js";
import { EvidenceFormatError, parseEvidence } from "../../src/model/evidence.js";
import { verifyEnclave } from "../../src/provider/enclaveVerification.js";
import { mutatedJsonText, PEM_TOKENS } from "../mutations.js";
import { defineTarget } from "../target.js";

export const evidenceTarget = defineTarget<string>({
  name: "evidence",
  drives: "parseEvidence (both formats), MRSIGNER of the signer key, RA-TLS quote, verifyEnclave",
  allowed: [EvidenceFormatError, AttestationFormatError, VerificationError],
  input: (seeds) => mutatedJsonText(seeds.evidenceTexts, PEM_TOKENS),
  run(text) {
    const evidence = parseEvidence(text, "evidence.json");
    const mrSigner = mrsignerFromPublicKey(evidence.signerPublicKeyPem);
    verifyEnclave({
      quote: extractQuoteFromCertificate(evidence.certificatePem),
      collateral: evidence.collateral,
      certificatePem: evidence.certificatePem,
      expected: { mrEnclave: "00".repeat(32), mrSigner },
      at: new Date("2023-06-21T00:00:00Z"),
      simulation: evidence.mode === "simulation",
    });
  },
  testRuns: 500,
  show: (text) => text,
});

// Quote: the DCAP v3 parser, its certification data (the PCK chain as PEM), the PCK certificates in
// it and what `spawn`/`evidence` ask of it (which PCK CA, which FMSPC). A quote that parses must
// serialise back to the same bytes: the parser accepts nothing it would not write.
import { AttestationFormatError } from "../../src/attestation/errors.js";
import { collateralRequestForQuote } from "../../src/attestation/pccs.js";
import { ParsedCertificate } from "../../src/attestation/certificate.js";
import {
  certificationChainDers,
  parseQuote,
  reportAttributes,
  serializeQuote,
} from "../../src/attestation/quote.js";
import { bytesEqual } from "../../src/attestation/bytes.js";
import { mutatedBytes, PEM_TOKENS } from "../mutations.js";
import { defineTarget, PropertyViolation } from "../target.js";

export const quoteTarget = defineTarget<Uint8Array>({
  name: "quote",
  drives: "parseQuote, certification data PEM chain, PCK certificates, collateralRequestForQuote",
  allowed: [AttestationFormatError],
  input: (seeds) => mutatedBytes(seeds.quotes, PEM_TOKENS),
  run(bytes) {
    const quote = parseQuote(bytes);
    if (!bytesEqual(serializeQuote(quote), bytes)) {
      throw new PropertyViolation("a parsed quote does not serialise back to its own bytes");
    }
    reportAttributes(quote.reportBody.attributes);
    for (const der of certificationChainDers(quote.signatureData.certificationData)) {
      const certificate = new ParsedCertificate(der, "quote PCK chain");
      void certificate.publicKey;
    }
    collateralRequestForQuote(quote);
  },
  testRuns: 1500,
  show: (bytes) => bytes,
});

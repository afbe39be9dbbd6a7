// CRLs as PCCS serves them (PEM, hex of DER, DER) and as a collateral file holds them: issuer,
// thisUpdate/nextUpdate, revoked serials, the revocation lookup and the signature check.
import fc from "fast-check";
import { intelSgxRootCa } from "../../src/attestation/certificate.js";
import { ParsedCrl } from "../../src/attestation/crl.js";
import { AttestationFormatError } from "../../src/attestation/errors.js";
import { crlDerFromText } from "../../src/attestation/pem.js";
import { mutatedBytes, mutatedText, PEM_TOKENS } from "../mutations.js";
import { defineTarget } from "../target.js";

type Input = { text: string } | { der: Uint8Array };

export const crlTarget = defineTarget<Input>({
  name: "crl",
  drives: "crlDerFromText (PEM/hex), the CRL DER reader, revocation lookup, signature check",
  allowed: [AttestationFormatError],
  input: (seeds) =>
    fc.oneof(
      mutatedText(seeds.crlTexts, PEM_TOKENS).map((text): Input => ({ text })),
      mutatedBytes(seeds.crlDers).map((der): Input => ({ der })),
    ),
  run(input) {
    const der = "text" in input ? crlDerFromText(input.text, "CRL") : input.der;
    const crl = new ParsedCrl(der, "CRL");
    void crl.revokedSerials;
    crl.currentAt(new Date());
    // Any real certificate will do as the issuer asked about: the pinned Intel root.
    const issuer = intelSgxRootCa();
    crl.isRevoked(issuer);
    crl.isSignedBy(issuer);
  },
  testRuns: 1200,
  show: (input) => ("text" in input ? input.text : input.der),
});

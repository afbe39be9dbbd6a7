// PCK certificate and its SGX extension: the DER walker reading a certificate's fields, its key,
// names, basic constraints, key usage and validity, and the SGX extension (PPID, TCB, PCE-ID, FMSPC,
// SGX type, platform instance and configuration), from whole certificates and from bare extensions.
import fc from "fast-check";
import { ParsedCertificate } from "../../src/attestation/certificate.js";
import { AttestationFormatError } from "../../src/attestation/errors.js";
import { OID_SGX_EXTENSION, parsePckExtension, parseSgxExtensionValue } from "../../src/attestation/pck.js";
import { mutatedBytes } from "../mutations.js";
import { defineTarget } from "../target.js";

type Input = { kind: "certificate" | "extension"; der: Uint8Array };

export const pckCertificateTarget = defineTarget<Input>({
  name: "pck-certificate",
  drives: "certificateFields (DER), public key, names, basicConstraints, keyUsage, SGX extension",
  allowed: [AttestationFormatError],
  input: (seeds) =>
    fc.oneof(
      mutatedBytes(seeds.certificates).map((der): Input => ({ kind: "certificate", der })),
      mutatedBytes(seeds.sgxExtensions).map((der): Input => ({ kind: "extension", der })),
    ),
  run({ kind, der }) {
    if (kind === "extension") {
      parseSgxExtensionValue(der);
      return;
    }
    const certificate = new ParsedCertificate(der, "certificate");
    void certificate.subjectCommonName;
    void certificate.issuerCommonName;
    void certificate.isCa;
    certificate.mayUseKeyFor(5);
    certificate.mayUseKeyFor(6);
    certificate.validAt(new Date());
    void certificate.publicKey;
    certificate.isSignedBy(certificate);
    if (certificate.fields.extensions.has(OID_SGX_EXTENSION)) {
      void certificate.pckExtension;
      parsePckExtension(der);
    }
  },
  testRuns: 1200,
  show: (input) => input.der,
});

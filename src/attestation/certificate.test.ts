// Public keys from raw points and certificates: a point off the curve is a format error.
import { describe, expect, it } from "vitest";
import { p256PublicKey, ParsedCertificate } from "./certificate.js";
import { AttestationFormatError } from "./errors.js";
import { parseQuote, serializeQuote } from "./quote.js";
import { verifyQuote } from "./verify.js";
import { testPlatform } from "./testing/pki.js";
import { VECTOR_AT, vectorEvidence } from "./testing/msehomeEvidence.js";
import { certificatesFromPem } from "./pem.js";

/** (1, 1) is not on P-256: y² ≠ x³ - 3x + b. */
const OFF_CURVE = new Uint8Array(64);
OFF_CURVE[31] = 1;
OFF_CURVE[63] = 1;

describe("P-256 public keys", () => {
  it("builds the key of a point on the curve", () => {
    const { quoteValue } = testPlatform();
    expect(p256PublicKey(quoteValue.signatureData.attestationKey).asymmetricKeyType).toBe("ec");
  });

  // Found by fuzzing: OpenSSL's refusal escaped as a TypeError ("Invalid JWK EC key").
  it("refuses a point off the curve with a format error", () => {
    expect(() => p256PublicKey(OFF_CURVE)).toThrow(AttestationFormatError);
    expect(() => p256PublicKey(OFF_CURVE)).toThrow("P-256 public key is not a point on the curve");
  });

  it("refuses a certificate whose P-256 key is off the curve when its key is asked for", () => {
    const der = certificatesFromPem(vectorEvidence().certificatePem, "RA-TLS certificate")[0]!.slice();
    const spki = new ParsedCertificate(der).fields.spki;
    const at = Buffer.from(der).indexOf(Buffer.from(spki)) + 27;
    der.set(OFF_CURVE, at);
    expect(() => new ParsedCertificate(der).publicKey).toThrow(AttestationFormatError);
  });

  it("fails the quote signature check, not the verification, for an attestation key off the curve", () => {
    const vector = vectorEvidence();
    const quote = parseQuote(vector.quote);
    quote.signatureData.attestationKey = OFF_CURVE;
    const report = verifyQuote({
      quote: serializeQuote(quote),
      collateral: vector.collateral,
      at: VECTOR_AT,
    });
    expect(report.checks.find((c) => c.name === "quote.signature")).toMatchObject({
      ok: false,
      reason: "P-256 public key is not a point on the curve",
    });
  });
});

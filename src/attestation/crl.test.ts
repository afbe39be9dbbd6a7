import { describe, expect, it } from "vitest";
import { sign } from "node:crypto";
import { parseCertificate } from "./certificate.js";
import { parseCrl, parseCrlDer } from "./crl.js";
import { toPem } from "./pem.js";
import { bitString, integer, name, oid, seq, time } from "./testing/derWriter.js";
import { makeCertificate, makeCrl, testKey } from "./testing/pki.js";

const ca = testKey();
const CA = "Test CA";
const when = { notBefore: new Date("2024-01-01T00:00:00Z"), notAfter: new Date("2025-01-01T00:00:00Z") };
const certificate = (serial: number) =>
  parseCertificate(
    makeCertificate({
      subject: `leaf ${serial}`,
      issuer: CA,
      issuerKey: ca,
      key: testKey(),
      serial,
      ca: false,
      ...when,
    }),
  );

/** A CRL whose entries encode their serials with extra leading zero bytes (legal BER, seen in the wild). */
function crlWithPaddedSerials(serials: number[]): Uint8Array {
  const tbs = seq(
    integer(1),
    seq(oid("1.2.840.10045.4.3.2")),
    name(CA),
    time(when.notBefore),
    time(when.notAfter),
    seq(...serials.map((s) => seq(integer(Uint8Array.of(0, 0, s)), time(when.notBefore)))),
  );
  return seq(tbs, seq(oid("1.2.840.10045.4.3.2")), bitString(sign("sha256", tbs, ca.privateKey)));
}

describe("CRL revocation", () => {
  it("finds a revoked serial whatever leading zero bytes either side uses", () => {
    const crl = parseCrlDer(crlWithPaddedSerials([0x12, 0x7f]), "CRL");
    expect(crl.isRevoked(certificate(0x12))).toBe(true);
    expect(crl.isRevoked(certificate(0x7f))).toBe(true);
    expect(crl.isRevoked(certificate(0x13))).toBe(false);
    expect([...crl.revokedSerials]).toEqual(["12", "7f"]);
  });

  it("reads CRLs with and without entries, as PEM or hex, and checks the issuer's signature", () => {
    const der = makeCrl({
      issuer: CA,
      issuerKey: ca,
      thisUpdate: when.notBefore,
      nextUpdate: when.notAfter,
      revoked: [0x80, 3],
    });
    const crl = parseCrl(toPem(der, "X509 CRL"), "CRL");
    expect(crl.isRevoked(certificate(0x80))).toBe(true);
    expect(crl.isRevoked(certificate(4))).toBe(false);
    const issuer = parseCertificate(
      makeCertificate({ subject: CA, issuer: CA, issuerKey: ca, key: ca, serial: 1, ca: true, ...when }),
    );
    expect(crl.isSignedBy(issuer)).toBe(true);
    const empty = makeCrl({
      issuer: CA,
      issuerKey: ca,
      thisUpdate: when.notBefore,
      nextUpdate: when.notAfter,
      revoked: [],
    });
    expect(parseCrl(Buffer.from(empty).toString("hex"), "CRL").revokedSerials.size).toBe(0);
    const other = testKey();
    const forged = makeCrl({
      issuer: CA,
      issuerKey: other,
      thisUpdate: when.notBefore,
      nextUpdate: when.notAfter,
      revoked: [],
    });
    expect(parseCrlDer(forged, "CRL").isSignedBy(issuer)).toBe(false);
  });
});

import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { certificateNames } from "../attestation/ratls.js";
import {
  createRaTlsCertificate,
  generateTlsKey,
  importTlsKey,
  RATLS_QUOTE_OID,
  raTlsReportData,
} from "./raTlsCertificate.js";

describe("RA-TLS certificate", () => {
  it("is self-signed over the P-256 key, with SAN, expiry and the quote extension", async () => {
    const key = await generateTlsKey();
    const quote = new Uint8Array(1200).map((_, i) => i & 0xff);
    const notAfter = new Date("2031-05-04T03:02:01Z");
    const pem = await createRaTlsCertificate({ key, san: "enclave.example", notAfter, quote });
    const certificate = new X509Certificate(pem);
    expect(certificate.subjectAltName).toBe("DNS:enclave.example");
    expect(new Date(certificate.validTo).toISOString()).toBe(notAfter.toISOString());
    expect(certificate.checkPrivateKey(createPrivateKey(key.privateKeyPem))).toBe(true);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    const parsed = new x509.X509Certificate(pem);
    const extension = parsed.getExtension(RATLS_QUOTE_OID);
    expect(extension?.critical).toBe(false);
    expect(new Uint8Array(extension!.value)).toEqual(quote);
    const spkiPoint = new Uint8Array(parsed.publicKey.rawData).slice(-65);
    expect(spkiPoint).toEqual(key.publicKeyRaw);
  });

  it("uses an IP SAN for an IP address", async () => {
    const pem = await createRaTlsCertificate({
      key: await generateTlsKey(),
      san: "127.0.0.1",
      notAfter: new Date(Date.now() + 3_600_000),
      quote: new Uint8Array([1]),
    });
    expect(new X509Certificate(pem).subjectAltName).toBe("IP Address:127.0.0.1");
  });

  it("names the host first, then the further names, DNS or IP", async () => {
    const pem = await createRaTlsCertificate({
      key: await generateTlsKey(),
      san: "app.example.com",
      extraSans: ["10.0.0.7", "fd00::7", "app.internal"],
      notAfter: new Date(Date.now() + 3_600_000),
      quote: new Uint8Array([1]),
    });
    const certificate = new X509Certificate(pem);
    expect(certificate.subject).toContain("CN=app.example.com");
    expect(certificate.subjectAltName).toBe(
      "DNS:app.example.com, IP Address:10.0.0.7, IP Address:FD00:0:0:0:0:0:0:7, DNS:app.internal",
    );
    // What verify reads back: IPs as canonical text.
    expect(certificateNames(pem)).toEqual(["app.example.com", "10.0.0.7", "fd00::7", "app.internal"]);
  });

  it("refuses an expiration that is already past", async () => {
    await expect(
      createRaTlsCertificate({
        key: await generateTlsKey(),
        san: "a",
        notAfter: new Date(1000),
        quote: new Uint8Array(1),
      }),
    ).rejects.toThrow(/is not after the certificate's start/);
  });

  it("binds the certificate key hash and the enclave key in report_data", async () => {
    const key = await generateTlsKey();
    const enclaveKey = new Uint8Array(32).fill(5);
    const reportData = raTlsReportData(key.publicKeyRaw, enclaveKey);
    expect(reportData.subarray(0, 32)).toEqual(
      new Uint8Array(createHash("sha256").update(key.publicKeyRaw).digest()),
    );
    expect(reportData.subarray(32)).toEqual(enclaveKey);
    expect(() => raTlsReportData(key.publicKeyRaw.subarray(1), enclaveKey)).toThrow(/uncompressed P-256/);
  });

  it("reloads a stored key with the same public point", async () => {
    const key = await generateTlsKey();
    expect((await importTlsKey(key.privateKeyPem)).publicKeyRaw).toEqual(key.publicKeyRaw);
  });
});

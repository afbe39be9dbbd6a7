import { describe, expect, it } from "vitest";
import {
  certificationChainDers,
  certificationChainPems,
  parseQuote,
  parseReportBody,
  quoteSignedBytes,
  reportAttributes,
  serializeQuote,
  serializeQuoteHeader,
  serializeReportBody,
} from "./quote.js";
import { AttestationFormatError } from "./errors.js";
import { toHex } from "./bytes.js";
import { vectorBytes } from "./testing/vectors.js";
import { createHash, X509Certificate } from "node:crypto";

const raw = vectorBytes("intel-sgx-ra-quote.dat");

describe("parseQuote on the intel-sgx-ra hardware quote", () => {
  const quote = parseQuote(raw);

  it("reads the header of a v3 ECDSA-P256 quote from Intel's QE", () => {
    expect(raw.length).toBe(4734);
    expect(quote.header.version).toBe(3);
    expect(quote.header.attestationKeyType).toBe(2);
    expect(toHex(quote.header.qeVendorId)).toBe("939a7233f79c4ca9940a0db3957f0607");
  });

  it("reads the enclave identity", () => {
    expect(toHex(quote.reportBody.mrEnclave)).toBe(
      "e413a4ed616c7a79634d5ca05a2fda746a1f0c71349a80b25a02828846fab90e",
    );
    expect(toHex(quote.reportBody.mrSigner)).toBe(
      "ac2c9fa87e4c91768b1d0c47169466c50d5a98c790639fbaefe7352a59919980",
    );
    expect(quote.reportBody.isvProdId).toBe(1);
    expect(quote.reportBody.isvSvn).toBe(10);
    expect(reportAttributes(quote.reportBody.attributes).initted).toBe(true);
  });

  it("carries exactly 3 PEM certificates, the last being the Intel SGX Root CA", () => {
    expect(quote.signatureData.certificationData.type).toBe(5);
    const pems = certificationChainPems(quote.signatureData.certificationData);
    expect(pems).toHaveLength(3);
    const root = new X509Certificate(pems[2]!);
    expect(createHash("sha256").update(root.raw).digest("hex")).toBe(
      "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3",
    );
  });

  it("decodes the same chain straight to DER, and refuses other certification data types", () => {
    const ders = certificationChainDers(quote.signatureData.certificationData);
    const pems = certificationChainPems(quote.signatureData.certificationData);
    expect(ders.map((d) => Buffer.from(d))).toEqual(pems.map((p) => new X509Certificate(p).raw));
    expect(() => certificationChainDers({ type: 6, data: new Uint8Array(0) })).toThrow(
      "certification data type 6 is not supported",
    );
  });

  it("re-serialises to the same bytes", () => {
    expect(Buffer.from(serializeQuote(quote)).equals(Buffer.from(raw))).toBe(true);
  });

  it("exposes the signed bytes (header ‖ report body) and the 384-byte report bodies", () => {
    const signed = quoteSignedBytes(quote);
    expect(Buffer.from(signed).equals(Buffer.from(raw.subarray(0, 432)))).toBe(true);
    expect(serializeQuoteHeader(quote.header)).toEqual(raw.subarray(0, 48));
    expect(serializeReportBody(quote.reportBody)).toEqual(raw.subarray(48, 432));
    const qeReport = serializeReportBody(quote.signatureData.qeReport);
    expect(qeReport).toEqual(raw.subarray(436 + 128, 436 + 512));
    expect(parseReportBody(qeReport)).toEqual(quote.signatureData.qeReport);
  });

  it("does not alias the input buffer", () => {
    const copy = raw.slice();
    const parsed = parseQuote(copy);
    copy.fill(0);
    expect(toHex(parsed.reportBody.mrEnclave)).toMatch(/^e413/);
  });
});

describe("parseQuote on malformed input", () => {
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ["empty", new Uint8Array(0), /truncated: header version/],
    ["a header only", raw.subarray(0, 48), /truncated: ISV report body cpuSvn/],
    ["one byte short", raw.subarray(0, raw.length - 1), /truncated: signature data length says 4298/],
    ["one byte more", Uint8Array.from([...raw, 0]), /1 unexpected bytes after its 4298-byte signature data/],
  ];
  for (const [name, bytes, message] of cases) {
    it(`rejects ${name} with a clear message`, () => {
      expect(() => parseQuote(bytes)).toThrow(AttestationFormatError);
      expect(() => parseQuote(bytes)).toThrow(message);
    });
  }

  it("rejects an inconsistent inner length (QE auth data size beyond the data)", () => {
    const bad = raw.slice();
    // QE auth data size sits after header, body, length, 2 signatures, key and QE report.
    new DataView(bad.buffer).setUint16(436 + 576, 0xffff, true);
    expect(() => parseQuote(bad)).toThrow(/truncated: QE auth data needs 65535 bytes/);
  });

  it("rejects an inconsistent certification data size", () => {
    const bad = raw.slice();
    new DataView(bad.buffer).setUint32(436 + 578 + 32 + 2, 10, true);
    expect(() => parseQuote(bad)).toThrow(/unexpected bytes after its certification data/);
  });

  it("rejects other versions and key types", () => {
    const v4 = raw.slice();
    v4[0] = 4;
    expect(() => parseQuote(v4)).toThrow(/quote version 4 is not supported/);
    const p384 = raw.slice();
    p384[2] = 3;
    expect(() => parseQuote(p384)).toThrow(/attestation key type 3 is not supported/);
  });

  it("refuses to serialise a field of the wrong size", () => {
    const quote = parseQuote(raw);
    quote.reportBody.mrEnclave = new Uint8Array(31);
    expect(() => serializeQuote(quote)).toThrow(/mrEnclave must be 32 bytes, got 31/);
  });
});

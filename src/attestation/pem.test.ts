import { describe, expect, it } from "vitest";
import { certificatesFromPem, pemBlocks, toPem } from "./pem.js";
import { INTEL_SGX_ROOT_CA_DER, INTEL_SGX_ROOT_CA_PEM } from "./roots.js";

const der = Uint8Array.from({ length: 100 }, (_, i) => (i * 37) % 256);

describe("pemBlocks", () => {
  it("reads every block in order, ignoring text around and between them", () => {
    const text = `leading text\n${toPem(der, "CERTIFICATE")}between\n${toPem(der.subarray(1), "X509 CRL")}trailing`;
    const blocks = pemBlocks(text);
    expect(blocks.map((b) => b.label)).toEqual(["CERTIFICATE", "X509 CRL"]);
    expect(blocks[0]!.der).toEqual(der);
    expect(blocks[1]!.der).toEqual(der.subarray(1));
  });

  it("accepts CRLF line ends and any line length", () => {
    const body = Buffer.from(der).toString("base64");
    const text = `-----BEGIN CERTIFICATE-----\r\n${body.slice(0, 10)}\r\n${body.slice(10)}\r\n-----END CERTIFICATE-----\r\n`;
    expect(pemBlocks(text)[0]!.der).toEqual(der);
  });

  it("returns standalone bytes, not a view into a shared buffer", () => {
    const [block] = pemBlocks(INTEL_SGX_ROOT_CA_PEM);
    expect(block!.der).toEqual(INTEL_SGX_ROOT_CA_DER);
    expect(block!.der.byteOffset).toBe(0);
    expect(block!.der.buffer.byteLength).toBe(block!.der.length);
  });

  it("skips a BEGIN line without its matching END line", () => {
    const text = `-----BEGIN CERTIFICATE-----\nAAAA\n-----END CRL-----\n${toPem(der, "CRL")}`;
    expect(pemBlocks(text).map((b) => b.label)).toEqual(["CRL"]);
  });

  it("refuses bodies that are not strict base64", () => {
    const wrap = (body: string): string =>
      `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
    for (const body of ["AAA", "AAAAA", "AA=A", "A===", "AA-_", "AAA\u00e9"]) {
      expect(() => pemBlocks(wrap(body), "chain"), body).toThrow(
        "chain: a CERTIFICATE block is not valid base64",
      );
    }
    expect(pemBlocks(wrap("AA==\n"))[0]!.der).toEqual(Uint8Array.of(0));
    expect(pemBlocks(wrap("AA=\n="))[0]!.der).toEqual(Uint8Array.of(0));
  });

  it("decodes groups split across lines and any whitespace, and nothing but whitespace is skipped", () => {
    const wrap = (body: string): string =>
      `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
    const base64 = Buffer.from(der).toString("base64");
    const odd = base64.replace(/(.{7})/g, "$1\r\n").replace(/(.{30})/g, "$1\t \u00a0");
    expect(pemBlocks(wrap(odd))[0]!.der).toEqual(der);
    expect(() => pemBlocks(wrap(`${base64.slice(0, 8)}\u0085${base64.slice(8)}`))).toThrow(
      "a CERTIFICATE block is not valid base64",
    );
    expect(() => pemBlocks(wrap(`${base64.slice(0, 8)}.${base64.slice(8)}`))).toThrow(
      "a CERTIFICATE block is not valid base64",
    );
  });
});

describe("certificatesFromPem", () => {
  it("keeps only CERTIFICATE blocks and requires one", () => {
    expect(certificatesFromPem(toPem(der, "X509 CRL") + toPem(der, "CERTIFICATE"), "chain")).toEqual([der]);
    expect(() => certificatesFromPem(toPem(der, "X509 CRL"), "the chain")).toThrow(
      "the chain contains no PEM certificate",
    );
  });
});

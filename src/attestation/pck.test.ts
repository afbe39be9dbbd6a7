import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import { OID_SGX_EXTENSION, parsePckExtension, parseSgxExtensionValue } from "./pck.js";
import { certificatesFromPem } from "./pem.js";
import { certificationChainPems, parseQuote } from "./quote.js";
import { toHex } from "./bytes.js";
import { AttestationFormatError } from "./errors.js";
import { vectorBytes, vectorText } from "./testing/vectors.js";

const pckDer = certificatesFromPem(vectorText("intel-sgx-ra-pck-cert.pem"), "PCK certificate")[0]!;

describe("parsePckExtension", () => {
  it("reads every field of the real PCK certificate's SGX extension", () => {
    const ext = parsePckExtension(pckDer);
    expect(ext.fmspc).toHaveLength(6);
    expect(toHex(ext.fmspc)).toBe("30606a000000");
    expect(toHex(ext.ppid)).toBe("d23804c16b628d9159831d2f37c07367");
    expect(toHex(ext.pceId)).toBe("0000");
    expect(ext.tcb.componentSvns).toEqual([4, 4, 3, 3, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(ext.tcb.pceSvn).toBe(11);
    expect(toHex(ext.tcb.cpuSvn)).toBe("04040303ffff00000000000000000000");
    expect(ext.sgxType).toBe("Scalable");
    expect(toHex(ext.platformInstanceId!)).toBe("4e7f3e1b4c174ac2369869d1018d8171");
    expect(ext.configuration).toEqual({ dynamicPlatform: true, cachedKeys: false, smtEnabled: true });
  });

  it("agrees with a schema-driven ASN.1 parser on where the extension is", () => {
    const cert = AsnConvert.parse(pckDer, Certificate);
    const reference = cert.tbsCertificate.extensions!.find((e) => e.extnID === OID_SGX_EXTENSION)!;
    const fromReference = parseSgxExtensionValue(new Uint8Array(reference.extnValue.buffer));
    expect(fromReference).toEqual(parsePckExtension(pckDer));
  });

  it("reads the PCK leaf inside the hardware quote (component SVNs mirror its CPUSVN)", () => {
    const quote = parseQuote(vectorBytes("intel-sgx-ra-quote.dat"));
    const [leaf] = certificationChainPems(quote.signatureData.certificationData);
    const ext = parsePckExtension(certificatesFromPem(leaf!, "leaf")[0]!);
    expect(ext.fmspc).toHaveLength(6);
    expect(ext.tcb.componentSvns).toEqual([...ext.tcb.cpuSvn]);
  });

  it("names a certificate without the extension", () => {
    const quote = parseQuote(vectorBytes("intel-sgx-ra-quote.dat"));
    const root = certificatesFromPem(
      certificationChainPems(quote.signatureData.certificationData)[2]!,
      "root",
    )[0]!;
    expect(() => parsePckExtension(root)).toThrow(/no SGX extension \(1\.2\.840\.113741\.1\.13\.1\)/);
  });

  it("rejects truncated or malformed extension values with a clear error", () => {
    const cert = AsnConvert.parse(pckDer, Certificate);
    const value = new Uint8Array(
      cert.tbsCertificate.extensions!.find((e) => e.extnID === OID_SGX_EXTENSION)!.extnValue.buffer,
    );
    expect(() => parseSgxExtensionValue(value.subarray(0, 100))).toThrow(AttestationFormatError);
    expect(() => parseSgxExtensionValue(value.subarray(0, 100))).toThrow(
      /claims 552 bytes, only 96 available/,
    );
    expect(() => parseSgxExtensionValue(Uint8Array.of(0x30, 0x00))).toThrow(/has no TCB/);
    expect(() => parsePckExtension(pckDer.subarray(0, 50))).toThrow(AttestationFormatError);
  });
});

// The simulated QE emits v3 quotes with Intel's structure whose every signature and binding checks out.
import { X509Certificate, createHash, createPublicKey, verify } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  certificationChainPems,
  parseQuote,
  quoteSignedBytes,
  reportAttributes,
  serializeQuote,
  serializeReportBody,
  type Quote,
} from "../attestation/quote.js";
import { vectorBytes } from "../attestation/testing/vectors.js";
import { initPlatform, type Platform } from "./platform.js";
import { SIMULATION_PCK_PLATFORM_CA_PEM, SIMULATION_ROOT_CA_PEM } from "./pki.js";
import { generateQuote, type EnclaveReport } from "./quotingEnclave.js";
import { QE_IDENTITY_POLICY, SIMULATED_QE } from "./quotingEnclaveIdentity.js";

let work: string;
let platform: Platform;
const report: EnclaveReport = {
  mrEnclave: new Uint8Array(32).fill(0xaa),
  mrSigner: new Uint8Array(32).fill(0xbb),
  reportData: Uint8Array.from({ length: 64 }, (_, i) => i * 3),
  isvProdId: 1,
  isvSvn: 10,
};

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "msehome-sim-qe-"));
  platform = await initPlatform(path.join(work, "platform"), { tcb: "sw-hardening-needed" });
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const rawPublicKey = (xy: Uint8Array) =>
  createPublicKey({
    key: {
      kty: "EC",
      crv: "P-256",
      x: Buffer.from(xy.subarray(0, 32)).toString("base64url"),
      y: Buffer.from(xy.subarray(32)).toString("base64url"),
    },
    format: "jwk",
  });
const verifies = (data: Uint8Array, signature: Uint8Array, key: ReturnType<typeof createPublicKey>) =>
  verify("sha256", data, { key, dsaEncoding: "ieee-p1363" }, signature);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("generateQuote", () => {
  it("reports the enclave as given, on the platform's CPU, and re-serialises to the same bytes", () => {
    const bytes = generateQuote(platform, report);
    const quote = parseQuote(bytes);
    expect(Buffer.from(serializeQuote(quote)).equals(Buffer.from(bytes))).toBe(true);
    expect(quote.header).toMatchObject({
      version: 3,
      attestationKeyType: 2,
      teeType: 0,
      qeSvn: SIMULATED_QE.isvSvn,
    });
    expect(quote.header.pceSvn).toBe(platform.tcb.pceSvn);
    expect(hex(quote.header.qeVendorId)).toBe("939a7233f79c4ca9940a0db3957f0607");
    expect(hex(quote.header.userData.subarray(0, 16))).toBe(hex(platform.qeId));
    const body = quote.reportBody;
    expect(hex(body.mrEnclave)).toBe(hex(report.mrEnclave));
    expect(hex(body.mrSigner)).toBe(hex(report.mrSigner));
    expect(hex(body.reportData)).toBe(hex(report.reportData));
    expect([body.isvProdId, body.isvSvn]).toEqual([1, 10]);
    expect(hex(body.cpuSvn)).toBe(hex(platform.tcb.cpuSvn));
    expect(reportAttributes(body.attributes)).toMatchObject({ initted: true, mode64Bit: true, debug: false });
  });

  it("signs the header and body with the attestation key it carries", () => {
    const quote = parseQuote(generateQuote(platform, report));
    const key = rawPublicKey(quote.signatureData.attestationKey);
    expect(hex(quote.signatureData.attestationKey)).toBe(hex(platform.attestationPublicKey));
    expect(verifies(quoteSignedBytes(quote), quote.signatureData.isvEnclaveReportSignature, key)).toBe(true);
  });

  it("binds the attestation key in a QE report signed by the PCK key", () => {
    const quote = parseQuote(generateQuote(platform, report));
    const { qeReport, qeReportSignature, attestationKey, qeAuthData } = quote.signatureData;
    const pck = new X509Certificate(platform.pckCertificatePem);
    expect(verifies(serializeReportBody(qeReport), qeReportSignature, pck.publicKey)).toBe(true);
    const binding = createHash("sha256").update(attestationKey).update(qeAuthData).digest();
    expect(hex(qeReport.reportData.subarray(0, 32))).toBe(binding.toString("hex"));
    expect(qeReport.reportData.subarray(32).every((b) => b === 0)).toBe(true);
  });

  it("reports a QE that matches the published QE identity under its masks", () => {
    const { qeReport } = parseQuote(generateQuote(platform, report)).signatureData;
    const golden = Buffer.from(QE_IDENTITY_POLICY.attributes, "hex");
    const mask = Buffer.from(QE_IDENTITY_POLICY.attributesMask, "hex");
    for (let i = 0; i < 16; i++) expect(qeReport.attributes[i]! & mask[i]!).toBe(golden[i]! & mask[i]!);
    expect(hex(qeReport.mrSigner)).toBe(hex(SIMULATED_QE.mrSigner));
    expect([qeReport.isvProdId, qeReport.isvSvn, qeReport.miscSelect]).toEqual([1, 8, 0]);
    expect(reportAttributes(qeReport.attributes).debug).toBe(false);
  });

  it("carries the PEM chain PCK leaf, Platform CA, root, like Intel's QE", () => {
    const quote = parseQuote(generateQuote(platform, report));
    expect(quote.signatureData.certificationData.type).toBe(5);
    const chain = certificationChainPems(quote.signatureData.certificationData);
    expect(chain.map((pem) => pem.trim())).toEqual(
      [platform.pckCertificatePem, SIMULATION_PCK_PLATFORM_CA_PEM, SIMULATION_ROOT_CA_PEM].map((pem) =>
        pem.trim(),
      ),
    );
    expect(quote.signatureData.certificationData.data.at(-1)).toBe(0);
  });

  it("has the layout of a real hardware quote", () => {
    const shape = (q: Quote) => ({
      header: { version: q.header.version, keyType: q.header.attestationKeyType, tee: q.header.teeType },
      qeAuthData: q.signatureData.qeAuthData.length,
      certificationType: q.signatureData.certificationData.type,
      chainLength: certificationChainPems(q.signatureData.certificationData).length,
      userDataTail: hex(q.header.userData.subarray(16)),
    });
    const real = parseQuote(vectorBytes("intel-sgx-ra-quote.dat"));
    expect(shape(parseQuote(generateQuote(platform, report)))).toEqual(shape(real));
  });

  it("makes a tampered quote fail its signature", () => {
    const bytes = generateQuote(platform, report);
    const tampered = Uint8Array.from(bytes);
    tampered[48 + 64] = tampered[48 + 64]! ^ 0x01; // first byte of MRENCLAVE
    const quote = parseQuote(tampered);
    const key = rawPublicKey(quote.signatureData.attestationKey);
    expect(verifies(quoteSignedBytes(quote), quote.signatureData.isvEnclaveReportSignature, key)).toBe(false);
  });

  it("refuses malformed reports, naming the field", () => {
    expect(() => generateQuote(platform, { ...report, reportData: new Uint8Array(63) })).toThrow(
      /report data must be 64 bytes/,
    );
    expect(() => generateQuote(platform, { ...report, mrEnclave: new Uint8Array(31) })).toThrow(
      /MRENCLAVE must be 32 bytes/,
    );
    expect(() => generateQuote(platform, { ...report, attributes: new Uint8Array(8) })).toThrow(
      /attributes must be 16 bytes/,
    );
  });
});

import { beforeEach, describe, expect, it, vi } from "vitest";
import * as crypto from "node:crypto";
import { bytesKey, clearAttestationCaches, ContentCache, ownedCopy, PairMemo } from "./cache.js";
import { intelSgxRootCa, parseCertificate } from "./certificate.js";
import { INTEL_SGX_ROOT_CA_DER } from "./roots.js";
import { certificationChainDers, parseQuote, serializeQuote } from "./quote.js";
import { verifyQuote, type VerificationReport } from "./verify.js";
import { certificatesFromPem } from "./pem.js";
import { VECTOR_AT, vectorEvidence } from "./testing/msehomeEvidence.js";
import { testPlatform } from "./testing/pki.js";
import { vectorBytes } from "./testing/vectors.js";

// Count the signature checks and key imports the verifier asks OpenSSL for, calling through.
vi.mock("node:crypto", async (importOriginal) => {
  const original = await importOriginal<typeof crypto>();
  return { ...original, verify: vi.fn(original.verify), createPublicKey: vi.fn(original.createPublicKey) };
});
const verifyCalls = vi.mocked(crypto.verify);
const keyImports = vi.mocked(crypto.createPublicKey);

const vector = vectorEvidence();

function failed(report: VerificationReport): string[] {
  return report.checks.filter((c) => !c.ok).map((c) => c.name);
}

describe("ContentCache", () => {
  it("keeps at most `limit` entries, evicting the least recently used", () => {
    const cache = new ContentCache<number>(2);
    let made = 0;
    const get = (key: string): number => cache.get(key, () => ++made);
    expect([get("a"), get("b"), get("a")]).toEqual([1, 2, 1]);
    get("c"); // evicts "b", the least recently used
    expect(cache.size).toBe(2);
    expect(get("a")).toBe(1);
    expect(get("b")).toBe(4);
  });

  it("does not remember a parse that threw", () => {
    const cache = new ContentCache<number>(4);
    expect(() =>
      cache.get("k", () => {
        throw new Error("bad");
      }),
    ).toThrow("bad");
    expect(cache.get("k", () => 7)).toBe(7);
  });

  it("is emptied by clearAttestationCaches", () => {
    const cache = new ContentCache<number>(4);
    cache.get("k", () => 1);
    clearAttestationCaches();
    expect(cache.size).toBe(0);
  });
});

describe("PairMemo", () => {
  it("computes once per pair until cleared", () => {
    const memo = new PairMemo<object, object, string>();
    const [a, b, c] = [{}, {}, {}];
    const make = vi.fn(() => "v");
    memo.get(a, b, make);
    memo.get(a, b, make);
    memo.get(a, c, make);
    expect(make).toHaveBeenCalledTimes(2);
    clearAttestationCaches();
    memo.get(a, b, make);
    expect(make).toHaveBeenCalledTimes(3);
  });
});

describe("cache keys and copies", () => {
  it("keys bytes by their exact content", () => {
    expect(bytesKey(Uint8Array.of(1, 2, 3))).toBe(bytesKey(Buffer.from([0, 1, 2, 3]).subarray(1)));
    expect(bytesKey(Uint8Array.of(1, 2, 3))).not.toBe(bytesKey(Uint8Array.of(1, 2, 4)));
  });

  it("copies even a Buffer, whose slice would share memory", () => {
    const source = Buffer.from([1, 2, 3]);
    const copy = ownedCopy(source);
    source[0] = 9;
    expect([...copy]).toEqual([1, 2, 3]);
  });

  it("keeps a cached certificate independent of the caller's buffer", () => {
    const der = Buffer.from(certificatesFromPem(vector.collateral.tcb_info_issuer_chain, "chain")[0]!);
    const parsed = parseCertificate(der);
    const subject = parsed.subjectCommonName;
    der.fill(0);
    expect(parseCertificate(Buffer.from(parsed.der))).toBe(parsed);
    expect(parsed.subjectCommonName).toBe(subject);
    expect(parsed.der.some((b) => b !== 0)).toBe(true);
  });

  it("gives the pinned Intel root for its exact bytes", () => {
    expect(parseCertificate(INTEL_SGX_ROOT_CA_DER.slice())).toBe(intelSgxRootCa());
  });
});

describe("signature work per verification", () => {
  const verify = (quote: Uint8Array = vector.quote): VerificationReport =>
    verifyQuote({ quote, collateral: vector.collateral, at: VECTOR_AT });

  beforeEach(() => {
    clearAttestationCaches();
    verifyCalls.mockClear();
    keyImports.mockClear();
  });

  it("checks each distinct signature exactly once when cold", () => {
    verify(); // builds the pinned root's key, once per process
    clearAttestationCaches();
    verifyCalls.mockClear();
    keyImports.mockClear();
    const report = verify();
    expect(failed(report)).toEqual([]);
    // PCK ← PCK CA, PCK CA ← root, root CA CRL, PCK CRL, TCB signing ← root, TCB info, QE identity,
    // QE report, quote: the root and TCB signing certificates recur in three chains but are
    // checked once; the pinned root's self-signature was checked at load.
    expect(verifyCalls).toHaveBeenCalledTimes(9);
    // The PCK and attestation keys; Intel's root, PCK CA and TCB Signing keys were imported at load.
    expect(keyImports).toHaveBeenCalledTimes(2);
  });

  it("re-checks only the quote's own signature when the platform's collateral is warm", () => {
    verify();
    verifyCalls.mockClear();
    keyImports.mockClear();
    expect(failed(verify())).toEqual([]);
    expect(verifyCalls).toHaveBeenCalledTimes(1);
    expect(keyImports).not.toHaveBeenCalled();
  });

  it("redoes every check after clearAttestationCaches", () => {
    verify();
    clearAttestationCaches();
    verifyCalls.mockClear();
    verify();
    expect(verifyCalls).toHaveBeenCalledTimes(9);
  });

  it("checks a root other than the pinned bytes for its self-signature on every cold verification", () => {
    const simulation = testPlatform();
    const run = (): VerificationReport =>
      verifyQuote({
        quote: simulation.quote,
        collateral: simulation.collateral,
        at: simulation.at,
        trustedRoot: simulation.rootDer,
        trustMode: "simulation",
      });
    expect(failed(run())).toEqual([]);
    clearAttestationCaches();
    verifyCalls.mockClear();
    keyImports.mockClear();
    expect(failed(run())).toEqual([]);
    // The 9 checks above plus the simulation root's self-signature; its keys are all imported.
    expect(verifyCalls).toHaveBeenCalledTimes(10);
    expect(keyImports).toHaveBeenCalledTimes(5);
  });

  it("uses Intel's root, PCK CA and TCB Signing keys prepared at load, for exactly those key bytes", () => {
    const hardware = parseQuote(vectorBytes("hardware/dcap-qvl/sgx_quote"));
    const intel = [
      ...certificationChainDers(parseQuote(vector.quote).signatureData.certificationData), // PCK, Platform CA, root
      certificationChainDers(hardware.signatureData.certificationData)[1]!, // Processor CA
      vectorBytes("hardware/automata/tcb_signing.der"), // TCB Signing, re-issued 2025
    ].map((der) => parseCertificate(der));
    expect(intel.map((cert) => cert.subjectCommonName)).toEqual([
      "Intel SGX PCK Certificate",
      "Intel SGX PCK Platform CA",
      "Intel SGX Root CA",
      "Intel SGX PCK Processor CA",
      "Intel SGX TCB Signing",
    ]);
    for (const cert of intel) {
      keyImports.mockClear();
      const jwk = cert.publicKey.export({ format: "jwk" });
      // The key is the certificate's own, whether prepared at load or imported now.
      expect(Buffer.concat([Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")])).toEqual(
        Buffer.from(cert.fields.spki.subarray(27)),
      );
      // Only the platform's own PCK key is imported.
      expect(keyImports).toHaveBeenCalledTimes(
        cert.subjectCommonName === "Intel SGX PCK Certificate" ? 1 : 0,
      );
    }
    const simulationCa = parseCertificate(testPlatform().authorities.pckCa.der);
    keyImports.mockClear();
    void simulationCa.publicKey;
    expect(keyImports).toHaveBeenCalledTimes(1);
  });

  it("still rejects a changed QE report signature or quote signature with a warm cache", () => {
    expect(failed(verify())).toEqual([]);
    const qeSigTampered = parseQuote(vector.quote);
    qeSigTampered.signatureData.qeReportSignature[5]! ^= 1;
    expect(failed(verify(serializeQuote(qeSigTampered)))).toEqual(["qe_report.signature"]);
    const quoteSigTampered = parseQuote(vector.quote);
    quoteSigTampered.signatureData.isvEnclaveReportSignature[5]! ^= 1;
    expect(failed(verify(serializeQuote(quoteSigTampered)))).toEqual(["quote.signature"]);
    expect(failed(verify())).toEqual([]);
  });

  it("never caches a time-dependent verdict", () => {
    const expiredAt = (at: string): string[] =>
      verifyQuote({
        quote: vector.quote,
        collateral: vector.collateral,
        at: new Date(at),
      }).collateral.expiredItems.map((item) => item.split(" (")[0]!);
    // Before the QE identity was issued, then after the PCK CRL's nextUpdate, then before again.
    expect(expiredAt("2023-06-01T00:00:00Z")).toEqual(["QE identity"]);
    expect(expiredAt("2023-06-21T00:00:00Z")).toContain("PCK CRL");
    expect(expiredAt("2023-06-01T00:00:00Z")).toEqual(["QE identity"]);
  });
});

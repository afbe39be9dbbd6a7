import { describe, expect, it } from "vitest";
import { createPublicKey } from "node:crypto";
import { verifyQuote, type VerificationReport } from "./verify.js";
import { applyPolicy, expectedIdentityChecks, withChecks } from "./policy.js";
import { mrsignerFromPublicKey } from "./mrsigner.js";
import { parseQuote, serializeQuote } from "./quote.js";
import { certificatesFromPem, crlDerFromText, toPem } from "./pem.js";
import { INTEL_SGX_ROOT_CA_SHA256 } from "./roots.js";
import type { Collateral } from "./collateral.js";
import {
  VECTOR_ADVISORIES,
  VECTOR_AT,
  VECTOR_MRENCLAVE,
  VECTOR_MRSIGNER,
  vectorEvidence,
} from "./testing/msehomeEvidence.js";
import { testPlatform } from "./testing/pki.js";

const vector = vectorEvidence();
const RELAXED = { allowOutdatedTcb: true, allowExpiredCollateral: true };

function failed(report: VerificationReport): string[] {
  return report.checks.filter((c) => !c.ok).map((c) => c.name);
}

describe("verifyQuote on the original msehome's evidence at 2023-06-21", () => {
  const report = verifyQuote({ quote: vector.quote, collateral: vector.collateral, at: VECTOR_AT });

  it("passes every signature, chain and revocation check", () => {
    expect(failed(report)).toEqual([]);
    expect(report.checksPassed).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        "pck.chain.signatures",
        "pck.chain.root",
        "crl.root_ca.signature",
        "crl.pck.signature",
        "pck.revocation",
        "tcb_info.signature",
        "qe_identity.signature",
        "qe_report.signature",
        "qe_report.data",
        "quote.signature",
      ]),
    );
    expect(report.mode).toBe("sgx");
    expect(report.trustedRoot.sha256).toBe(INTEL_SGX_ROOT_CA_SHA256);
  });

  it("finds the platform OutOfDate with the seven advisories, the QE up to date", () => {
    expect(report.tcb.status).toBe("OutOfDate");
    expect(report.tcb.platformStatus).toBe("OutOfDate");
    expect(report.tcb.qeStatus).toBe("UpToDate");
    expect(report.tcb.advisoryIds).toEqual(VECTOR_ADVISORIES);
    expect(report.platform?.ca).toBe("platform");
    expect(report.platform?.fmspc).toBe("30606a000000");
  });

  it("reports the collateral expired because of the stale PCK CRL, and only that", () => {
    expect(report.collateral.expired).toBe(true);
    expect(report.collateral.expiredItems).toEqual([
      "PCK CRL (2023-05-16T23:55:41Z .. 2023-06-15T23:55:41Z)",
    ]);
    expect(report.collateral.earliestExpiration).toBe("2023-06-15T23:55:41Z");
  });

  it("reads the enclave identity", () => {
    expect(report.enclave).toMatchObject({
      mrEnclave: VECTOR_MRENCLAVE,
      mrSigner: VECTOR_MRSIGNER,
      isvProdId: 1,
      isvSvn: 10,
      debug: false,
    });
    expect(report.enclave!.reportData.slice(64)).toBe("0".repeat(64));
  });

  it("is rejected by the strict policy for both reasons, accepted when both are allowed", () => {
    const strict = applyPolicy(report);
    expect(strict.accepted).toBe(false);
    expect(strict.reasons.map((r) => r.check)).toEqual(["tcb.status", "collateral.expiry"]);
    expect(strict.reasons[0]!.message).toMatch(/OutOfDate.*--allow-outdated-tcb/);
    expect(strict.reasons[1]!.message).toMatch(/PCK CRL.*--allow-expired-collateral/);
    expect(applyPolicy(report, { allowOutdatedTcb: true }).reasons.map((r) => r.check)).toEqual([
      "collateral.expiry",
    ]);
    expect(applyPolicy(report, RELAXED)).toEqual({ accepted: true, reasons: [] });
  });

  it("accepts a parsed Quote as well as bytes", () => {
    const again = verifyQuote({
      quote: parseQuote(vector.quote),
      collateral: vector.collateral,
      at: VECTOR_AT,
    });
    expect(again.checks).toEqual(report.checks);
  });
});

describe("verifyQuote on the same evidence today", () => {
  const report = verifyQuote({ quote: vector.quote, collateral: vector.collateral });

  it("names every expired piece of collateral, the TCB info among them", () => {
    const names = report.collateral.expiredItems.join("\n");
    expect(names).toMatch(/^TCB info \(2023-05-30T00:45:00Z \.\. 2023-06-29T00:45:00Z\)$/m);
    expect(names).toMatch(/TCB signing chain certificate "Intel SGX TCB Signing".*2025-05-21/);
    expect(names).toMatch(/QE identity/);
    expect(names).toMatch(/PCK CRL/);
    expect(failed(report)).toEqual([]);
    const reasons = applyPolicy(report, { allowOutdatedTcb: true });
    expect(reasons.reasons.map((r) => r.message).join(" ")).toMatch(/TCB info/);
  });
});

describe("tamper matrix: each signed or checked region, modified, is rejected by the right check", () => {
  function quoteWithByteFlipped(offset: number): Uint8Array {
    const copy = vector.quote.slice();
    copy[offset]! ^= 0x01;
    return copy;
  }

  /** The quote with one PEM certificate of its chain rewritten. */
  function quoteWithCertificate(index: number, change: (der: Uint8Array) => Uint8Array): Uint8Array {
    const quote = parseQuote(vector.quote);
    const text = Buffer.from(quote.signatureData.certificationData.data).toString("latin1");
    const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g)!;
    pems[index] = toPem(change(certificatesFromPem(pems[index]!, "cert")[0]!.slice()), "CERTIFICATE");
    quote.signatureData.certificationData.data = new TextEncoder().encode(pems.join(""));
    return serializeQuote(quote);
  }

  /** Flips a byte of the serial number (inside the signed part, structure intact). */
  function flipSerial(der: Uint8Array): Uint8Array {
    // Certificate SEQ(4-byte header) > TBS SEQ(4) > [0] version (5 bytes) > INTEGER serial: tag, len, value.
    const serialValue = 4 + 4 + 5 + 2;
    der[serialValue + 3]! ^= 0x01;
    return der;
  }

  /** Flips the last byte of a DER signed object: the end of the ECDSA signature's s. */
  function flipLast(der: Uint8Array): Uint8Array {
    der[der.length - 1]! ^= 0x01;
    return der;
  }

  function crlPem(text: string, change: (der: Uint8Array) => Uint8Array): string {
    return toPem(change(crlDerFromText(text, "crl").slice()), "X509 CRL");
  }

  function firstPem(chain: string): string {
    return chain.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/)![0];
  }

  const quoteCases: Array<[string, () => Uint8Array, string]> = [
    ["quote header (user data)", () => quoteWithByteFlipped(28), "quote.signature"],
    ["quote header (version)", () => quoteWithByteFlipped(0), "quote.format"],
    ["report body (MRENCLAVE)", () => quoteWithByteFlipped(48 + 64), "quote.signature"],
    ["report body (report data)", () => quoteWithByteFlipped(48 + 320 + 5), "quote.signature"],
    ["quote signature", () => quoteWithByteFlipped(436 + 10), "quote.signature"],
    ["attestation key", () => quoteWithByteFlipped(436 + 64 + 40), "qe_report.data"],
    ["QE report", () => quoteWithByteFlipped(436 + 128 + 200), "qe_report.signature"],
    ["QE report signature", () => quoteWithByteFlipped(436 + 512 + 20), "qe_report.signature"],
    ["QE auth data", () => quoteWithByteFlipped(436 + 578 + 3), "qe_report.data"],
    ["PCK certificate", () => quoteWithCertificate(0, flipSerial), "pck.chain.signatures"],
    ["PCK certificate signature", () => quoteWithCertificate(0, flipLast), "pck.chain.signatures"],
    ["PCK Platform CA certificate", () => quoteWithCertificate(1, flipSerial), "pck.chain.signatures"],
    ["root CA certificate in the quote", () => quoteWithCertificate(2, flipSerial), "pck.chain.root"],
  ];
  for (const [region, build, check] of quoteCases) {
    it(`${region} → ${check}`, () => {
      const report = verifyQuote({ quote: build(), collateral: vector.collateral, at: VECTOR_AT });
      expect(failed(report)).toContain(check);
      expect(applyPolicy(report, RELAXED).reasons.map((r) => r.check)).toContain(check);
    });
  }

  const tcbCert = firstPem(vector.collateral.tcb_info_issuer_chain);
  const tamperedTcbCert = toPem(flipSerial(certificatesFromPem(tcbCert, "tcb")[0]!.slice()), "CERTIFICATE");
  const pckCaPem = firstPem(vector.collateral.pck_crl_issuer_chain);
  const tamperedPckCa = toPem(flipSerial(certificatesFromPem(pckCaPem, "ca")[0]!.slice()), "CERTIFICATE");
  const flipHexChar = (body: string): string =>
    body.replace(/"signature":"([0-9a-f])/, (_, c: string) => `"signature":"${c === "0" ? "1" : "0"}`);
  const collateralCases: Array<[string, Partial<Collateral>, string]> = [
    [
      "root CA CRL",
      { root_ca_crl: crlPem(vector.collateral.root_ca_crl, flipLast) },
      "crl.root_ca.signature",
    ],
    ["PCK CRL", { pck_crl: crlPem(vector.collateral.pck_crl, flipLast) }, "crl.pck.signature"],
    [
      "PCK CRL issuer chain",
      { pck_crl_issuer_chain: vector.collateral.pck_crl_issuer_chain.replace(pckCaPem, tamperedPckCa) },
      "crl.pck.issuer_chain",
    ],
    [
      "TCB info body",
      {
        tcb_info: vector.collateral.tcb_info.replace(
          '"tcbEvaluationDataNumber":15',
          '"tcbEvaluationDataNumber":16',
        ),
      },
      "tcb_info.signature",
    ],
    ["TCB info signature", { tcb_info: flipHexChar(vector.collateral.tcb_info) }, "tcb_info.signature"],
    [
      "TCB signing certificate (TCB info chain)",
      { tcb_info_issuer_chain: vector.collateral.tcb_info_issuer_chain.replace(tcbCert, tamperedTcbCert) },
      "tcb_info.issuer_chain",
    ],
    [
      "QE identity body",
      {
        qe_identity: vector.collateral.qe_identity.replace(
          '"tcbEvaluationDataNumber":15',
          '"tcbEvaluationDataNumber":16',
        ),
      },
      "qe_identity.signature",
    ],
    [
      "QE identity signature",
      { qe_identity: flipHexChar(vector.collateral.qe_identity) },
      "qe_identity.signature",
    ],
    [
      "TCB signing certificate (QE identity chain)",
      {
        qe_identity_issuer_chain: vector.collateral.qe_identity_issuer_chain.replace(
          tcbCert,
          tamperedTcbCert,
        ),
      },
      "qe_identity.issuer_chain",
    ],
  ];
  for (const [region, change, check] of collateralCases) {
    it(`${region} → ${check}`, () => {
      const collateral = { ...vector.collateral, ...change };
      expect(collateral).not.toEqual(vector.collateral);
      const report = verifyQuote({ quote: vector.quote, collateral, at: VECTOR_AT });
      expect(failed(report)).toContain(check);
      expect(applyPolicy(report, RELAXED).accepted).toBe(false);
    });
  }

  it("signer key → enclave.mrsigner", () => {
    const jwk = createPublicKey(vector.signerPublicKeyPem).export({ format: "jwk" });
    const n = Buffer.from(jwk.n!, "base64url");
    n[100]! ^= 0x01;
    const otherKey = createPublicKey({ key: { ...jwk, n: n.toString("base64url") }, format: "jwk" });
    const mrSigner = mrsignerFromPublicKey(otherKey.export({ type: "spki", format: "pem" }) as string);
    const base = verifyQuote({ quote: vector.quote, collateral: vector.collateral, at: VECTOR_AT });
    const report = withChecks(base, expectedIdentityChecks(base, { mrSigner }));
    expect(failed(report)).toEqual(["enclave.mrsigner"]);
    expect(applyPolicy(report, RELAXED).reasons[0]!.check).toBe("enclave.mrsigner");
  });

  it("expected MRENCLAVE → enclave.mrenclave", () => {
    const base = verifyQuote({ quote: vector.quote, collateral: vector.collateral, at: VECTOR_AT });
    const good = withChecks(
      base,
      expectedIdentityChecks(base, { mrEnclave: VECTOR_MRENCLAVE.toUpperCase(), mrSigner: VECTOR_MRSIGNER }),
    );
    expect(applyPolicy(good, RELAXED).accepted).toBe(true);
    const wrong = VECTOR_MRENCLAVE.replace(/^0/, "1");
    const report = withChecks(base, expectedIdentityChecks(base, { mrEnclave: wrong }));
    expect(failed(report)).toEqual(["enclave.mrenclave"]);
    expect(report.checks.at(-1)!.reason).toContain(`expected ${wrong}`);
  });
});

describe("trust anchor", () => {
  it("rejects a quote rooted elsewhere as not rooted in the Intel SGX Root CA", () => {
    const platform = testPlatform();
    const report = verifyQuote({ quote: platform.quote, collateral: platform.collateral, at: platform.at });
    const root = report.checks.find((c) => c.name === "pck.chain.root")!;
    expect(root.ok).toBe(false);
    expect(root.reason).toContain("not rooted in the Intel SGX Root CA");
    expect(failed(report)).toEqual(
      expect.arrayContaining(["crl.root_ca.signature", "tcb_info.issuer_chain", "qe_identity.issuer_chain"]),
    );
    expect(applyPolicy(report, { allowOutdatedTcb: true, allowExpiredCollateral: true }).accepted).toBe(
      false,
    );
  });

  it("trusts another root only in simulation mode, and says so", () => {
    const platform = testPlatform();
    expect(() =>
      verifyQuote({
        quote: platform.quote,
        collateral: platform.collateral,
        at: platform.at,
        trustedRoot: platform.rootDer,
      }),
    ).toThrow(/trust mode "sgx" trusts only the Intel SGX Root CA/);
    const report = verifyQuote({
      quote: platform.quote,
      collateral: platform.collateral,
      at: platform.at,
      trustedRoot: platform.rootDer,
      trustMode: "simulation",
    });
    expect(failed(report)).toEqual([]);
    expect(report.mode).toBe("simulation");
    expect(report.tcb.status).toBe("UpToDate");
    expect(report.collateral.expired).toBe(false);
    expect(applyPolicy(report).accepted).toBe(true);
  });

  it("does not trust the hardware quote in simulation mode with another root", () => {
    const platform = testPlatform();
    const report = verifyQuote({
      quote: vector.quote,
      collateral: vector.collateral,
      at: VECTOR_AT,
      trustedRoot: platform.rootDer,
      trustMode: "simulation",
    });
    expect(report.checks.find((c) => c.name === "pck.chain.root")!.reason).toContain(
      "not rooted in the trusted simulation root CA",
    );
  });
});

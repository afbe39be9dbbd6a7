import { describe, expect, it } from "vitest";
import type { Collateral } from "./collateral.js";
import { parseCertificate } from "./certificate.js";
import { parseCrlDer } from "./crl.js";
import { toPem } from "./pem.js";
import { applyPolicy, type Policy } from "./policy.js";
import { crlFailure } from "./signerRules.js";
import { verifyQuote, type VerificationReport } from "./verify.js";
import { VECTOR_AT, vectorEvidence } from "./testing/msehomeEvidence.js";
import {
  makeCertificate,
  makeCrl,
  signedBody,
  testKey,
  testPlatform,
  TEST_TCB_SIGNING_NAME,
  type TestAuthority,
  type TestPlatform,
} from "./testing/pki.js";

const ALL_ALLOWED: Policy = {
  allowOutdatedTcb: true,
  allowSwHardeningNeeded: true,
  allowConfigurationNeeded: true,
  allowExpiredCollateral: true,
  allowDebug: true,
};

// A platform Intel would call OutOfDate, its QE OutOfDate too: what a forger wants to hide.
const world: TestPlatform = testPlatform({
  tcbLevels: [
    { svn: 9, pceSvn: 13, status: "UpToDate" },
    { svn: 0, pceSvn: 0, status: "OutOfDate", advisoryIds: ["INTEL-SA-00001"] },
  ],
  qeIsvSvn: 7,
  qeLevels: [
    { isvSvn: 8, status: "UpToDate" },
    { isvSvn: 6, status: "OutOfDate", advisoryIds: ["INTEL-SA-00615"] },
  ],
});
const { root, pckCa, pck, otherPck, revokedPck, tcbSigning } = world.authorities;

function verifyWorld(collateral: Collateral, platform: TestPlatform = world): VerificationReport {
  return verifyQuote({
    quote: platform.quote,
    collateral,
    at: platform.at,
    trustedRoot: platform.rootDer,
    trustMode: "simulation",
  });
}

const failedChecks = (report: VerificationReport): string[] =>
  report.checks.filter((c) => !c.ok && !c.skipped).map((c) => c.name);
const reasonOf = (report: VerificationReport, name: string): string =>
  report.checks.find((c) => c.name === name)!.reason;

/** The TCB info rewritten so that every platform is UpToDate, and the QE identity likewise. */
const everythingUpToDate = {
  tcbInfo: {
    ...(world.tcbInfoValue as Record<string, unknown>),
    tcbLevels: [
      {
        tcb: { sgxtcbcomponents: Array.from({ length: 16 }, () => ({ svn: 0 })), pcesvn: 0 },
        tcbDate: "2023-01-01T00:00:00Z",
        tcbStatus: "UpToDate",
      },
    ],
  },
  qeIdentity: {
    ...(world.qeIdentityValue as Record<string, unknown>),
    tcbLevels: [{ tcb: { isvsvn: 0 }, tcbDate: "2023-01-01T00:00:00Z", tcbStatus: "UpToDate" }],
  },
};

const chainOf = (...certificates: TestAuthority[]): string => certificates.map((c) => c.pem).join("");

/** The collateral with the TCB info or the QE identity forged: signed by `signer`, under `chain`. */
function forged(which: "tcb_info" | "qe_identity", signer: TestAuthority, chain: string): Collateral {
  return which === "tcb_info"
    ? {
        ...world.collateral,
        tcb_info: signedBody("tcbInfo", everythingUpToDate.tcbInfo, signer.key),
        tcb_info_issuer_chain: chain,
      }
    : {
        ...world.collateral,
        qe_identity: signedBody("enclaveIdentity", everythingUpToDate.qeIdentity, signer.key),
        qe_identity_issuer_chain: chain,
      };
}

/** A certificate bearing Intel's TCB Signing name, but not the genuine one. */
function impostor(issuer: TestAuthority, issuerName: string, ca: boolean): TestAuthority {
  const key = testKey();
  const der = makeCertificate({
    subject: TEST_TCB_SIGNING_NAME,
    issuer: issuerName,
    issuerKey: issuer.key,
    key,
    serial: 40,
    notBefore: new Date(world.at.getTime() - 86_400_000),
    notAfter: new Date(world.at.getTime() + 86_400_000),
    ca,
  });
  return { key, der, pem: toPem(der, "CERTIFICATE") };
}

describe("the genuine world", () => {
  it("verifies, OutOfDate with the platform's and the QE's advisories", () => {
    const report = verifyWorld(world.collateral);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.tcb.status).toBe("OutOfDate");
    expect(report.tcb.advisories).toEqual({ platform: ["INTEL-SA-00001"], qe: ["INTEL-SA-00615"] });
  });

  it("accepts collateral forged to UpToDate when the genuine TCB Signing key signs it (the forgery needs that key)", () => {
    const tcb = verifyWorld(forged("tcb_info", tcbSigning, chainOf(tcbSigning, root)));
    const both = verifyWorld({
      ...forged("tcb_info", tcbSigning, chainOf(tcbSigning, root)),
      qe_identity: forged("qe_identity", tcbSigning, chainOf(tcbSigning, root)).qe_identity,
    });
    expect(tcb.tcb.platformStatus).toBe("UpToDate");
    expect(both.tcb.status).toBe("UpToDate");
  });
});

describe("only the TCB Signing certificate may sign TCB info and QE identities, whatever the allow flags", () => {
  const cases: Array<[string, TestAuthority, string, RegExp]> = [
    [
      "another platform's valid PCK certificate",
      otherPck,
      chainOf(otherPck, pckCa, root),
      /has 3 certificate\(s\); only \[CN=Intel SGX TCB Signing, .*\] may sign collateral \(Intel QVL: UNSUPPORTED_CERT_FORMAT\)/,
    ],
    [
      "a PCK certificate revoked on the PCK CRL",
      revokedPck,
      chainOf(revokedPck, pckCa, root),
      /has 3 certificate\(s\).*UNSUPPORTED_CERT_FORMAT/,
    ],
    [
      "the quoting platform's own PCK certificate",
      pck,
      chainOf(pck, pckCa, root),
      /has 3 certificate\(s\).*UNSUPPORTED_CERT_FORMAT/,
    ],
    [
      "the PCK CA",
      pckCa,
      chainOf(pckCa, root),
      /signed by "CN=Test SGX PCK Platform CA, O=msehome tests", but only "CN=Intel SGX TCB Signing, O=Intel Corporation, L=Santa Clara, ST=CA, C=US" may sign it \(Intel QVL: SGX_TCB_SIGNING_CERT_MISSING\)/,
    ],
    [
      "a PCK certificate with a 2-certificate chain [PCK, PCK CA]",
      pck,
      chainOf(pck, pckCa),
      /ends at "Test SGX PCK Platform CA" .*not at the trusted simulation root CA \(Intel QVL: SGX_ROOT_CA_MISSING\)/,
    ],
    [
      "the TCB Signing certificate in a 4-certificate chain",
      tcbSigning,
      chainOf(tcbSigning, root, pckCa, root),
      /has 4 certificate\(s\).*UNSUPPORTED_CERT_FORMAT/,
    ],
    [
      "a certificate with the TCB Signing name issued by the PCK CA",
      impostor(pckCa, "Test SGX PCK Platform CA", false),
      "", // filled below: [impostor, root]
      /not issued and signed by the trusted simulation root CA \(Intel QVL: SGX_TCB_SIGNING_CERT_INVALID_ISSUER\)/,
    ],
    [
      "a CA certificate with the TCB Signing name issued by the root",
      impostor(root, "Test SGX Root CA", true),
      "",
      /is a CA or may not make signatures/,
    ],
  ];
  for (const entry of cases) if (entry[2] === "") entry[2] = chainOf(entry[1], root);

  for (const [signer, key, chain, reason] of cases) {
    for (const which of ["tcb_info", "qe_identity"] as const) {
      it(`${which.replace("_", " ")} signed by ${signer} → ${which}.issuer_chain`, () => {
        const report = verifyWorld(forged(which, key, chain));
        expect(failedChecks(report)).toEqual([`${which}.issuer_chain`]);
        expect(reasonOf(report, `${which}.issuer_chain`)).toMatch(reason);
        // Nothing is read from the forged collateral: no status, no advisories.
        expect(report.checks.find((c) => c.name === `${which}.signature`)).toMatchObject({ skipped: true });
        expect(report.tcb.status).toBeNull();
        const verdict = applyPolicy(report, ALL_ALLOWED);
        expect(verdict.accepted).toBe(false);
        expect(verdict.reasons.map((r) => r.check)).toEqual([`${which}.issuer_chain`]);
      });
    }
  }

  it("refuses the TCB Signing certificate once the root CA CRL revokes it", () => {
    const rootCrl = makeCrl({
      issuer: "Test SGX Root CA",
      issuerKey: root.key,
      thisUpdate: new Date(world.at.getTime() - 86_400_000),
      nextUpdate: new Date(world.at.getTime() + 86_400_000),
      revoked: [4],
    });
    const report = verifyWorld({ ...world.collateral, root_ca_crl: toPem(rootCrl, "X509 CRL") });
    expect(failedChecks(report)).toEqual(["tcb_info.issuer_chain", "qe_identity.issuer_chain"]);
    expect(reasonOf(report, "tcb_info.issuer_chain")).toMatch(
      /serial 04\) is revoked by the root CA CRL \(Intel QVL: SGX_TCB_SIGNING_CERT_REVOKED\)/,
    );
  });

  it("refuses Intel's own PCK chain as a TCB info issuer chain, in sgx mode", () => {
    const vector = vectorEvidence();
    const pckChain = vector.collateral.pck_crl_issuer_chain; // [Intel PCK Platform CA, Intel root]
    const report = verifyQuote({
      quote: vector.quote,
      collateral: {
        ...vector.collateral,
        tcb_info_issuer_chain: pckChain,
        qe_identity_issuer_chain: pckChain,
      },
      at: VECTOR_AT,
    });
    expect(failedChecks(report)).toEqual(["tcb_info.issuer_chain", "qe_identity.issuer_chain"]);
    expect(reasonOf(report, "tcb_info.issuer_chain")).toMatch(
      /signed by "CN=Intel SGX PCK Platform CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US"/,
    );
    expect(applyPolicy(report, ALL_ALLOWED).accepted).toBe(false);
  });
});

describe("the PCK CRL issuer chain is [PCK CA, root], its CA the quote's by name and key", () => {
  const window = {
    notBefore: new Date(world.at.getTime() - 86_400_000),
    notAfter: new Date(world.at.getTime() + 400 * 86_400_000),
  };
  const platformCa = (key: typeof pckCa.key, serial: number): string =>
    toPem(
      makeCertificate({
        subject: "Test SGX PCK Platform CA",
        issuer: "Test SGX Root CA",
        issuerKey: root.key,
        key,
        serial,
        ca: true,
        ...window,
      }),
      "CERTIFICATE",
    );

  it("accepts the PCK CA re-issued by the root (same name and key, new serial and validity)", () => {
    const reissued = platformCa(pckCa.key, 77);
    expect(reissued).not.toBe(pckCa.pem);
    const report = verifyWorld({ ...world.collateral, pck_crl_issuer_chain: reissued + root.pem });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  });

  const refused: Array<[string, () => string, RegExp]> = [
    [
      "a CA of the same name with another key",
      () => platformCa(testKey(), 78) + root.pem,
      /names "Test SGX PCK Platform CA", not the quote's PCK CA "Test SGX PCK Platform CA" \(another name or key\)/,
    ],
    ["the PCK CA alone", () => pckCa.pem, /has 1 certificate\(s\); it must be \[PCK CA, root CA\]/],
    ["three certificates", () => pck.pem + pckCa.pem + root.pem, /has 3 certificate\(s\)/],
    ["a chain ending elsewhere", () => pckCa.pem + pckCa.pem, /ends at "Test SGX PCK Platform CA"/],
    ["the TCB Signing chain", () => tcbSigning.pem + root.pem, /is not a CA that may sign CRLs/],
  ];
  for (const [what, chain, reason] of refused) {
    it(`refuses ${what}`, () => {
      const report = verifyWorld({ ...world.collateral, pck_crl_issuer_chain: chain() });
      expect(failedChecks(report)).toEqual(["crl.pck.issuer_chain"]);
      expect(reasonOf(report, "crl.pck.issuer_chain")).toMatch(reason);
      expect(applyPolicy(report, ALL_ALLOWED).accepted).toBe(false);
    });
  }
});

describe("CRLs in Intel's profile: issuer name, CRL number, authority key identifier, signature", () => {
  const when = {
    thisUpdate: new Date(world.at.getTime() - 86_400_000),
    nextUpdate: new Date(world.at.getTime() + 86_400_000),
  };
  const crl = (spec: Partial<Parameters<typeof makeCrl>[0]>) =>
    makeCrl({ issuer: "Test SGX PCK Platform CA", issuerKey: pckCa.key, revoked: [], ...when, ...spec });
  const pckCaCertificate = parseCertificate(pckCa.der);

  const cases: Array<[string, Uint8Array, RegExp]> = [
    [
      "without a CRL number",
      crl({ crlNumber: null }),
      /has no CRL number \(Intel QVL: SGX_CRL_INVALID_EXTENSIONS\)/,
    ],
    [
      "without an authority key identifier",
      crl({ authorityKeyId: null }),
      /has no authority key identifier \(Intel QVL: SGX_CRL_INVALID_EXTENSIONS\)/,
    ],
    [
      "whose authority key identifier names another key",
      crl({ authorityKeyId: root.key.keyId }),
      /authority key identifier [0-9a-f]{40} is not "Test SGX PCK Platform CA"'s key/,
    ],
    [
      "issued under another name",
      crl({ issuer: "Test SGX Root CA" }),
      /is issued by "Test SGX Root CA", not by "Test SGX PCK Platform CA" \(Intel QVL: SGX_CRL_UNKNOWN_ISSUER\)/,
    ],
    [
      "signed by another key",
      crl({ issuerKey: root.key, authorityKeyId: pckCa.key.keyId }),
      /signature does not verify with "Test SGX PCK Platform CA"'s key \(Intel QVL: SGX_CRL_INVALID_SIGNATURE\)/,
    ],
  ];
  for (const [what, der, reason] of cases) {
    it(`refuses a PCK CRL ${what}, naming crl.pck.signature`, () => {
      expect(crlFailure(parseCrlDer(der, "PCK CRL"), pckCaCertificate, "PCK CRL")).toMatch(reason);
      const report = verifyWorld({ ...world.collateral, pck_crl: toPem(der, "X509 CRL") });
      expect(failedChecks(report)).toEqual(["crl.pck.signature"]);
      expect(reasonOf(report, "crl.pck.signature")).toMatch(reason);
      expect(applyPolicy(report, ALL_ALLOWED).accepted).toBe(false);
    });
  }

  it("accepts the profile's CRL and refuses a root CA CRL signed by the PCK CA", () => {
    expect(crlFailure(parseCrlDer(crl({}), "PCK CRL"), pckCaCertificate, "PCK CRL")).toBeUndefined();
    const forgedRootCrl = makeCrl({ issuer: "Test SGX Root CA", issuerKey: pckCa.key, revoked: [], ...when });
    const report = verifyWorld({ ...world.collateral, root_ca_crl: toPem(forgedRootCrl, "X509 CRL") });
    expect(failedChecks(report)).toEqual(["crl.root_ca.signature"]);
  });
});

describe("the quote header names Intel's QE and SGX", () => {
  it("refuses another QE vendor ID, naming quote.header", () => {
    const platform = testPlatform({ header: { qeVendorId: new Uint8Array(16).fill(0x11) } });
    const report = verifyWorld(platform.collateral, platform);
    expect(failedChecks(report)).toEqual(["quote.header"]);
    expect(reasonOf(report, "quote.header")).toBe(
      "the QE vendor ID 11111111111111111111111111111111 is not Intel's 939a7233f79c4ca9940a0db3957f0607 (Intel QVL: UNSUPPORTED_QUOTE_FORMAT)",
    );
    expect(applyPolicy(report, ALL_ALLOWED).reasons.map((r) => r.check)).toEqual(["quote.header"]);
  });

  it("refuses a v3 quote whose TEE type is not SGX", () => {
    const platform = testPlatform({ header: { teeType: 0x81 } });
    const report = verifyWorld(platform.collateral, platform);
    expect(failedChecks(report)).toEqual(["quote.header"]);
    expect(reasonOf(report, "quote.header")).toMatch(/TEE type 129/);
  });
});

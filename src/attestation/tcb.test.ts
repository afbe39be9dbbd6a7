import { describe, expect, it } from "vitest";
import { convergeTcbStatus, matchQeTcbLevel, matchTcbLevel } from "./tcb.js";
import { parseTcbInfo, TCB_STATUSES, type TcbStatus } from "./tcbInfo.js";
import { parseEnclaveIdentity } from "./enclaveIdentity.js";
import { verifyQuote } from "./verify.js";
import { applyPolicy, type Policy } from "./policy.js";
import { testPlatform, type TestPlatformOptions } from "./testing/pki.js";

function verifyPlatform(options: TestPlatformOptions) {
  const platform = testPlatform(options);
  return verifyQuote({
    quote: platform.quote,
    collateral: platform.collateral,
    at: platform.at,
    trustedRoot: platform.rootDer,
    trustMode: "simulation",
  });
}

/** A TCB info whose newest level is above the platform (PCK SVNs 5, PCESVN 11) and the next one holds `status`. */
function withPlatformStatus(status: string, extra: Partial<TestPlatformOptions> = {}): TestPlatformOptions {
  return {
    tcbLevels: [
      { svn: 9, pceSvn: 13, status: "UpToDate" },
      { svn: 5, pceSvn: 11, status, advisoryIds: ["INTEL-SA-00001", "INTEL-SA-00002"] },
      { svn: 0, pceSvn: 0, status: "OutOfDate", advisoryIds: ["INTEL-SA-00003"] },
    ],
    ...extra,
  };
}

const ALL_ALLOWED: Policy = {
  allowOutdatedTcb: true,
  allowSwHardeningNeeded: true,
  allowConfigurationNeeded: true,
  allowExpiredCollateral: true,
  allowDebug: true,
};

describe("every TCB status path, end to end with signed constructed TCB info", () => {
  const expectations: Array<[TcbStatus, Policy | null]> = [
    ["UpToDate", {}],
    ["SWHardeningNeeded", { allowSwHardeningNeeded: true }],
    ["ConfigurationNeeded", { allowConfigurationNeeded: true }],
    ["ConfigurationAndSWHardeningNeeded", { allowConfigurationNeeded: true, allowSwHardeningNeeded: true }],
    ["OutOfDate", { allowOutdatedTcb: true }],
    ["OutOfDateConfigurationNeeded", { allowOutdatedTcb: true, allowConfigurationNeeded: true }],
    ["Revoked", null],
  ];
  for (const [status, needed] of expectations) {
    it(`${status}: reported with its advisories, ${needed ? "accepted only with its allowances" : "never accepted"}`, () => {
      const report = verifyPlatform(withPlatformStatus(status));
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report.tcb.status).toBe(status);
      expect(report.tcb.platformStatus).toBe(status);
      expect(report.tcb.advisoryIds).toEqual(["INTEL-SA-00001", "INTEL-SA-00002"]);
      if (needed === null) {
        const verdict = applyPolicy(report, ALL_ALLOWED);
        expect(verdict.accepted).toBe(false);
        expect(verdict.reasons[0]!.message).toMatch(/Revoked, which is never accepted/);
        return;
      }
      expect(applyPolicy(report, needed).accepted).toBe(true);
      if (Object.keys(needed).length > 0) {
        const strict = applyPolicy(report);
        expect(strict.accepted).toBe(false);
        expect(strict.reasons.map((r) => r.check)).toEqual(["tcb.status"]);
        // Each allowance alone is not enough when two are needed.
        for (const flag of Object.keys(needed)) {
          const partial = { ...needed, [flag]: false };
          expect(applyPolicy(report, partial).accepted).toBe(false);
        }
      }
    });
  }

  it("reads TCB info version 2 the same way", () => {
    const report = verifyPlatform(withPlatformStatus("SWHardeningNeeded", { tcbInfoVersion: 2 }));
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.tcb.status).toBe("SWHardeningNeeded");
  });

  it("reports a platform below every level as a failed tcb.level check (TCB not supported)", () => {
    const report = verifyPlatform({ tcbLevels: [{ svn: 9, pceSvn: 13, status: "UpToDate" }] });
    expect(report.checks.find((c) => c.name === "tcb.level")).toMatchObject({ ok: false });
    expect(report.tcb.status).toBeNull();
    expect(applyPolicy(report, ALL_ALLOWED).reasons[0]!.check).toBe("tcb.level");
  });

  it("refuses the whole TCB info when any level has an unknown status, even one the platform does not match", () => {
    const options = withPlatformStatus("OutOfDate");
    options.tcbLevels!.push({ svn: 0, pceSvn: 0, status: "Fine" });
    const report = verifyPlatform(options);
    expect(report.checks.find((c) => c.name === "tcb_info.format")!.reason).toMatch(
      /tcbLevels\[3\]\.tcbStatus must be one of UpToDate, .*Revoked \(got "Fine"\)/,
    );
    expect(report.checks.find((c) => c.name === "tcb.level")).toMatchObject({ ok: false, skipped: true });
    expect(report.tcb.status).toBeNull();
    expect(applyPolicy(report, ALL_ALLOWED).reasons[0]!.check).toBe("tcb_info.format");
  });

  it("refuses the whole TCB info when two levels have the same SVNs", () => {
    const report = verifyPlatform({
      tcbLevels: [
        { svn: 5, pceSvn: 11, status: "UpToDate" },
        { svn: 3, pceSvn: 11, status: "OutOfDate" },
        { svn: 5, pceSvn: 11, status: "Revoked" },
      ],
    });
    expect(report.checks.find((c) => c.name === "tcb_info.format")!.reason).toMatch(
      /tcbLevels\[2\] repeats the component SVNs and PCESVN of tcbLevels\[0\]/,
    );
    expect(applyPolicy(report, ALL_ALLOWED).accepted).toBe(false);
  });

  it("matches levels in Intel's canonical order, not in the order the JSON lists them", () => {
    const descending = [
      { svn: 9, pceSvn: 13, status: "UpToDate" },
      { svn: 3, pceSvn: 11, status: "OutOfDate", advisoryIds: ["INTEL-SA-00003"] },
      { svn: 0, pceSvn: 0, status: "Revoked", advisoryIds: ["INTEL-SA-00004"] },
    ];
    const intel = verifyPlatform({ tcbLevels: descending });
    const lowestFirst = verifyPlatform({ tcbLevels: [...descending].reverse() });
    const shuffled = verifyPlatform({ tcbLevels: [descending[1]!, descending[2]!, descending[0]!] });
    for (const report of [intel, lowestFirst, shuffled]) {
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report.tcb.status).toBe("OutOfDate");
      expect(report.tcb.advisoryIds).toEqual(["INTEL-SA-00003"]);
    }
  });

  it("orders levels by the component SVNs as one sequence first, PCESVN second", () => {
    const component = (first: number, second: number): number[] => [first, second, ...Array(14).fill(0)];
    // The platform (all SVNs 5, PCESVN 11) is at or above both levels; the higher one wins.
    const report = verifyPlatform({
      tcbLevels: [
        { svn: 0, components: component(2, 5), pceSvn: 11, status: "OutOfDate" },
        { svn: 0, components: component(3, 0), pceSvn: 5, status: "SWHardeningNeeded" },
      ],
    });
    expect(report.tcb.status).toBe("SWHardeningNeeded");
  });

  it("needs PCESVN too: a level with a higher PCESVN does not match", () => {
    const report = verifyPlatform({
      pceSvn: 10,
      tcbLevels: [
        { svn: 5, pceSvn: 11, status: "UpToDate" },
        { svn: 5, pceSvn: 10, status: "SWHardeningNeeded" },
      ],
    });
    expect(report.tcb.status).toBe("SWHardeningNeeded");
  });
});

describe("QE TCB status and its convergence with the platform's", () => {
  const qeLevels = [
    { isvSvn: 8, status: "UpToDate" },
    { isvSvn: 6, status: "OutOfDate", advisoryIds: ["INTEL-SA-00615"] },
  ];

  it("an out-of-date QE makes an up-to-date platform OutOfDate, with the QE's advisories", () => {
    const report = verifyPlatform({ qeIsvSvn: 7, qeLevels });
    expect(report.tcb.qeStatus).toBe("OutOfDate");
    expect(report.tcb.platformStatus).toBe("UpToDate");
    expect(report.tcb.status).toBe("OutOfDate");
    expect(report.tcb.advisoryIds).toEqual(["INTEL-SA-00615"]);
  });

  it("an out-of-date QE turns ConfigurationNeeded into OutOfDateConfigurationNeeded", () => {
    const report = verifyPlatform(withPlatformStatus("ConfigurationNeeded", { qeIsvSvn: 7, qeLevels }));
    expect(report.tcb.status).toBe("OutOfDateConfigurationNeeded");
    expect(report.tcb.advisoryIds).toEqual(["INTEL-SA-00001", "INTEL-SA-00002", "INTEL-SA-00615"]);
  });

  it("a QE below every level is not supported by the QE identity: no status, a failed tcb.qe_level", () => {
    const report = verifyPlatform({ qeIsvSvn: 5, qeLevels });
    expect(report.checks.find((c) => c.name === "tcb.qe_level")).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/ISVSVN 5 is below every level of the QE identity.*TCB_NOT_SUPPORTED/),
    });
    expect(report.tcb.qeStatus).toBeNull();
    expect(report.tcb.status).toBeNull();
    expect(report.tcb.platformStatus).toBe("UpToDate");
    const verdict = applyPolicy(report, ALL_ALLOWED);
    expect(verdict.reasons.map((r) => r.check)).toEqual(["tcb.qe_level"]);
  });

  it("a QE on a Revoked level makes the quote Revoked", () => {
    const report = verifyPlatform({ qeIsvSvn: 5, qeLevels: [...qeLevels, { isvSvn: 0, status: "Revoked" }] });
    expect(report.tcb.qeStatus).toBe("Revoked");
    expect(report.tcb.status).toBe("Revoked");
    expect(applyPolicy(report, ALL_ALLOWED).accepted).toBe(false);
  });

  it("refuses a QE identity with a status outside the enclave identity's set", () => {
    const report = verifyPlatform({ qeLevels: [...qeLevels, { isvSvn: 1, status: "SWHardeningNeeded" }] });
    expect(report.checks.find((c) => c.name === "qe_identity.format")!.reason).toMatch(
      /tcbLevels\[2\]\.tcbStatus must be one of UpToDate, ConfigurationNeeded, OutOfDate, OutOfDateConfigurationNeeded, Revoked/,
    );
    expect(report.tcb.status).toBeNull();
  });

  it("says which advisories come from the platform's level and which from the QE's", () => {
    const report = verifyPlatform(withPlatformStatus("ConfigurationNeeded", { qeIsvSvn: 7, qeLevels }));
    expect(report.tcb.advisories).toEqual({
      platform: ["INTEL-SA-00001", "INTEL-SA-00002"],
      qe: ["INTEL-SA-00615"],
    });
  });

  it("convergeTcbStatus follows Intel's table", () => {
    expect(convergeTcbStatus("UpToDate", "UpToDate")).toBe("UpToDate");
    expect(convergeTcbStatus("SWHardeningNeeded", "OutOfDate")).toBe("OutOfDate");
    expect(convergeTcbStatus("ConfigurationAndSWHardeningNeeded", "OutOfDate")).toBe(
      "OutOfDateConfigurationNeeded",
    );
    expect(convergeTcbStatus("OutOfDateConfigurationNeeded", "OutOfDate")).toBe(
      "OutOfDateConfigurationNeeded",
    );
    for (const status of TCB_STATUSES) expect(convergeTcbStatus(status, "Revoked")).toBe("Revoked");
  });
});

describe("other refusals on constructed platforms", () => {
  it("a revoked PCK certificate fails pck.revocation", () => {
    const report = verifyPlatform({ revokePck: true });
    expect(report.checks.find((c) => c.name === "pck.revocation")).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/PCK certificate \(serial 03\) is revoked by the PCK CRL/),
    });
  });

  it("a revoked PCK CA fails pck.revocation", () => {
    const report = verifyPlatform({ revokePckCa: true });
    expect(report.checks.find((c) => c.name === "pck.revocation")!.reason).toMatch(
      /PCK CA .* revoked by the root CA CRL/,
    );
  });

  it("TCB info for another FMSPC fails tcb_info.platform", () => {
    const report = verifyPlatform({ tcbInfoFmspc: "00906EA10000" });
    expect(report.checks.find((c) => c.name === "tcb_info.platform")!.reason).toBe(
      "the TCB info is for FMSPC 00906ea10000, the PCK certificate's is 00906ed50000",
    );
  });

  it("a quoting enclave that is not Intel's fails qe_identity.match", () => {
    const report = verifyPlatform({ qeIdentityMrSigner: "AB".repeat(32) });
    const check = report.checks.find((c) => c.name === "qe_identity.match")!;
    expect(check.ok).toBe(false);
    expect(check.reason).toMatch(/^the QE's MRSIGNER 8c8c.* is not the QE identity's abab/);
    expect(report.tcb.status).toBeNull();
  });

  it("a debug enclave is refused unless allowed", () => {
    const attributes = Uint8Array.from([0x07, 0, 0, 0, 0, 0, 0, 0, 0xe7, 0, 0, 0, 0, 0, 0, 0]);
    const report = verifyPlatform({ enclave: { attributes } });
    expect(report.enclave!.debug).toBe(true);
    expect(applyPolicy(report).reasons.map((r) => r.check)).toEqual(["enclave.debug"]);
    expect(applyPolicy(report, { allowDebug: true }).accepted).toBe(true);
  });

  it("collateral verified after its nextUpdate is reported expired, not failed", () => {
    const platform = testPlatform();
    const later = new Date(platform.at.getTime() + 40 * 86_400_000);
    const report = verifyQuote({
      ...platform,
      at: later,
      trustedRoot: platform.rootDer,
      trustMode: "simulation",
    });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.collateral.expiredItems.map((i) => i.split(" (")[0])).toEqual([
      "root CA CRL",
      "PCK CRL",
      "TCB info",
      "QE identity",
    ]);
    expect(applyPolicy(report).reasons.map((r) => r.check)).toEqual(["collateral.expiry"]);
  });
});

describe("level matching on parsed collateral", () => {
  const info = parseTcbInfo({
    id: "SGX",
    version: 3,
    issueDate: "2023-05-30T00:45:00Z",
    nextUpdate: "2023-06-29T00:45:00Z",
    fmspc: "30606A000000",
    pceId: "0000",
    tcbType: 0,
    tcbEvaluationDataNumber: 15,
    tcbLevels: [
      {
        tcb: { sgxtcbcomponents: Array(16).fill({ svn: 3 }), pcesvn: 13 },
        tcbDate: "2023-02-15T00:00:00Z",
        tcbStatus: "UpToDate",
      },
      {
        tcb: { sgxtcbcomponents: Array(16).fill({ svn: 1 }), pcesvn: 5 },
        tcbDate: "2021-02-15T00:00:00Z",
        tcbStatus: "OutOfDate",
        advisoryIDs: ["A"],
      },
    ],
  });

  it("takes the first level entirely below the platform", () => {
    expect(matchTcbLevel(info, { componentSvns: Array(16).fill(3), pceSvn: 13 })?.tcbStatus).toBe("UpToDate");
    const oneLow = Array(16).fill(3);
    oneLow[15] = 2;
    expect(matchTcbLevel(info, { componentSvns: oneLow, pceSvn: 13 })?.tcbStatus).toBe("OutOfDate");
    expect(matchTcbLevel(info, { componentSvns: Array(16).fill(0), pceSvn: 13 })).toBeUndefined();
  });

  it("rejects malformed TCB info and QE identity with the field named", () => {
    expect(() => parseTcbInfo({ version: 3 })).toThrow(/TCB info is not a TCB info v2 or v3 object/);
    expect(() => parseTcbInfo({ ...info, version: 4 })).toThrow(/version/);
    expect(() => parseEnclaveIdentity({ id: "QE", version: 2 })).toThrow(/issueDate/);
  });

  it("reads QE identity levels newest first", () => {
    const identity = parseEnclaveIdentity({
      id: "QE",
      version: 2,
      issueDate: "2023-06-20T00:24:02Z",
      nextUpdate: "2023-07-20T00:24:02Z",
      tcbEvaluationDataNumber: 15,
      miscselect: "01000000",
      miscselectMask: "FFFFFFFF",
      attributes: "11000000000000000000000000000000",
      attributesMask: "FBFFFFFFFFFFFFFF0000000000000000",
      mrsigner: "8C4F5775D796503E96137F77C68A829A0056AC8DED70140B081B094490C57BFF",
      isvprodid: 1,
      tcbLevels: [
        { tcb: { isvsvn: 8 }, tcbDate: "2023-02-15T00:00:00Z", tcbStatus: "UpToDate" },
        { tcb: { isvsvn: 6 }, tcbDate: "2021-11-10T00:00:00Z", tcbStatus: "OutOfDate" },
      ],
    });
    expect(identity.miscselect).toBe(1);
    expect(matchQeTcbLevel(identity, 9)?.status).toBe("UpToDate");
    expect(matchQeTcbLevel(identity, 6)?.status).toBe("OutOfDate");
    expect(matchQeTcbLevel(identity, 5)).toBeUndefined();
  });
});

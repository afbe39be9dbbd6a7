import { describe, expect, it } from "vitest";
import { applyPolicy, type Policy } from "./policy.js";
import { VECTOR_ADVISORIES, VECTOR_AT, vectorEvidence } from "./testing/msehomeEvidence.js";
import { testPlatform, type TestPlatformOptions } from "./testing/pki.js";
import { verifyQuote } from "./verify.js";

const vector = vectorEvidence();
const vectorReport = verifyQuote({ quote: vector.quote, collateral: vector.collateral, at: VECTOR_AT });
const RELAXED: Policy = { allowOutdatedTcb: true, allowExpiredCollateral: true };

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

describe("the advisory allowlist", () => {
  it("changes nothing when not given: the status flag alone decides", () => {
    expect(applyPolicy(vectorReport, RELAXED).accepted).toBe(true);
  });

  it("accepts an allowed status only when every advisory is listed, naming the unlisted ones", () => {
    const some = applyPolicy(vectorReport, {
      ...RELAXED,
      allowedAdvisories: ["INTEL-SA-00586", "INTEL-SA-00615"],
    });
    expect(some.accepted).toBe(false);
    expect(some.reasons).toEqual([
      {
        check: "tcb.advisories",
        message:
          "the TCB status is OutOfDate with advisories that are not allowed: INTEL-SA-00614 (platform), INTEL-SA-00657 (platform), INTEL-SA-00730 (platform), INTEL-SA-00738 (platform), INTEL-SA-00767 (platform); accepting them needs --allow-advisory for each",
      },
    ]);
    const all = applyPolicy(vectorReport, { ...RELAXED, allowedAdvisories: VECTOR_ADVISORIES });
    expect(all).toEqual({ accepted: true, reasons: [] });
  });

  it("an empty allowlist accepts a non-UpToDate status only without advisories", () => {
    expect(applyPolicy(vectorReport, { ...RELAXED, allowedAdvisories: [] }).reasons[0]!.check).toBe(
      "tcb.advisories",
    );
    const noAdvisories = verifyPlatform({
      tcbLevels: [
        { svn: 9, pceSvn: 13, status: "UpToDate" },
        { svn: 0, pceSvn: 0, status: "SWHardeningNeeded" },
      ],
    });
    expect(applyPolicy(noAdvisories, { allowSwHardeningNeeded: true, allowedAdvisories: [] }).accepted).toBe(
      true,
    );
  });

  it("never replaces the status flag: listing every advisory of a status its flag does not allow still refuses", () => {
    const verdict = applyPolicy(vectorReport, {
      allowExpiredCollateral: true,
      allowedAdvisories: VECTOR_ADVISORIES,
    });
    expect(verdict.reasons.map((r) => r.check)).toEqual(["tcb.status"]);
    expect(verdict.reasons[0]!.message).toMatch(/needs --allow-outdated-tcb/);
  });

  it("does not concern an UpToDate platform, and never lets Revoked through", () => {
    const upToDate = verifyPlatform({});
    expect(applyPolicy(upToDate, { allowedAdvisories: [] }).accepted).toBe(true);
    const revoked = verifyPlatform({
      tcbLevels: [
        { svn: 9, pceSvn: 13, status: "UpToDate" },
        { svn: 0, pceSvn: 0, status: "Revoked", advisoryIds: ["INTEL-SA-00001"] },
      ],
    });
    const verdict = applyPolicy(revoked, { allowOutdatedTcb: true, allowedAdvisories: ["INTEL-SA-00001"] });
    expect(verdict.reasons.map((r) => r.check)).toEqual(["tcb.status"]);
  });

  it("says whether an unlisted advisory comes from the platform's level, the QE's, or both", () => {
    const report = verifyPlatform({
      tcbLevels: [
        { svn: 9, pceSvn: 13, status: "UpToDate" },
        { svn: 0, pceSvn: 0, status: "SWHardeningNeeded", advisoryIds: ["INTEL-SA-00001", "INTEL-SA-00615"] },
      ],
      qeIsvSvn: 7,
      qeLevels: [
        { isvSvn: 8, status: "UpToDate" },
        { isvSvn: 6, status: "OutOfDate", advisoryIds: ["INTEL-SA-00615", "INTEL-SA-00002"] },
      ],
    });
    expect(report.tcb.status).toBe("OutOfDate");
    expect(report.tcb.advisoryIds).toEqual(["INTEL-SA-00001", "INTEL-SA-00615", "INTEL-SA-00002"]);
    const verdict = applyPolicy(report, { allowOutdatedTcb: true, allowedAdvisories: [] });
    expect(verdict.reasons[0]!.message).toContain(
      "INTEL-SA-00001 (platform), INTEL-SA-00615 (platform and QE), INTEL-SA-00002 (QE)",
    );
  });
});

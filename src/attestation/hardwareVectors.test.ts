// Quotes from four more real SGX platforms with their Intel-signed collateral, from other DCAP
// verifiers' test suites: the verdicts those suites assert, at the times they pin, and the same
// verdict as @phala/dcap-qvl wherever the collateral is current.
import { verify as dcapQvlVerify } from "@phala/dcap-qvl";
import { describe, expect, it } from "vitest";
import { applyPolicy, type Policy } from "./policy.js";
import { dcapQvlCollateral } from "./testing/dcapQvlCollateral.js";
import { hardwareVectors } from "./testing/hardwareVectors.js";
import { vectorEvidence } from "./testing/msehomeEvidence.js";
import { verifyQuote } from "./verify.js";
import { certificationChainPems, parseQuote } from "./quote.js";
import { parseCertificate } from "./certificate.js";
import { certificatesFromPem } from "./pem.js";

const vectors = hardwareVectors();

/** The allowance each status needs. */
const ALLOWANCE: Record<string, Policy> = {
  SWHardeningNeeded: { allowSwHardeningNeeded: true },
  ConfigurationAndSWHardeningNeeded: { allowSwHardeningNeeded: true, allowConfigurationNeeded: true },
};

const pckSerial = (quote: Uint8Array): string => {
  const [leaf] = certificationChainPems(parseQuote(quote).signatureData.certificationData);
  return parseCertificate(certificatesFromPem(leaf!, "PCK")[0]!).fields.serialHex;
};

describe("real SGX platforms beyond the original msehome's", () => {
  it("are distinct platforms: four PCK certificates, three FMSPCs other than the evidence vector's", () => {
    const serials = new Set([...vectors.map((v) => pckSerial(v.quote)), pckSerial(vectorEvidence().quote)]);
    expect(serials.size).toBe(vectors.length + 1);
    const fmspcs = new Set(vectors.map((v) => v.fmspc));
    fmspcs.delete("30606a000000");
    expect(fmspcs.size).toBeGreaterThanOrEqual(3);
  });

  for (const vector of vectors) {
    describe(`${vector.source} (FMSPC ${vector.fmspc}, PCK ${vector.ca} CA) at ${vector.at.toISOString()}`, () => {
      const report = verifyQuote({ quote: vector.quote, collateral: vector.collateral, at: vector.at });

      it(`passes every check and finds what the source asserts: ${vector.sourceAsserts}`, () => {
        expect(report.checks.filter((c) => !c.ok)).toEqual([]);
        expect(report.mode).toBe("sgx");
        expect(report.platform).toMatchObject({ fmspc: vector.fmspc, ca: vector.ca });
        expect(report.tcb.status).toBe(vector.status);
        expect(report.tcb.qeStatus).toBe("UpToDate");
        expect(report.tcb.advisoryIds).toEqual(vector.advisoryIds);
        expect(report.tcb.advisories).toEqual({ platform: vector.advisoryIds, qe: [] });
        expect(report.collateral.expiredItems).toEqual(vector.expiredAtSource);
      });

      it("is refused by the strict policy for its status, accepted with the status's allowance", () => {
        const strict = applyPolicy(report);
        expect(strict.accepted).toBe(false);
        expect(strict.reasons[0]).toMatchObject({ check: "tcb.status" });
        const allowed = {
          ...ALLOWANCE[vector.status],
          allowExpiredCollateral: vector.expiredAtSource.length > 0,
        };
        expect(applyPolicy(report, allowed)).toEqual({ accepted: true, reasons: [] });
      });

      if (vector.expiredAtSource.length === 0) {
        it("gets the same status and advisories from @phala/dcap-qvl", () => {
          const reference = dcapQvlVerify(
            vector.quote,
            dcapQvlCollateral(vector.collateral),
            Math.floor(vector.at.getTime() / 1000),
          );
          expect(reference.status).toBe(report.tcb.status);
          expect([...reference.advisory_ids].sort()).toEqual([...report.tcb.advisoryIds].sort());
        });
      }

      it("finds its collateral expired once the earliest nextUpdate has passed", () => {
        const earliest = new Date(report.collateral.earliestExpiration!);
        const later = verifyQuote({
          quote: vector.quote,
          collateral: vector.collateral,
          at: new Date(earliest.getTime() + 1000),
        });
        expect(later.checks.filter((c) => !c.ok)).toEqual([]);
        expect(later.collateral.expired).toBe(true);
      });
    });
  }
});

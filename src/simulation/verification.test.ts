// End to end over real HTTPS: simulated quotes, collateral fetched from the simulated PCCS by the attestation
// PCCS client, judged by the attestation verifier and policy — accepted only under the simulation root.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Collateral } from "../attestation/collateral.js";
import { PccsClient } from "../attestation/pccs.js";
import { parseQuote, serializeQuote } from "../attestation/quote.js";
import { applyPolicy, type Policy } from "../attestation/policy.js";
import { verifyQuote, type VerificationReport } from "../attestation/verify.js";
import { collateralFor } from "./collateral.js";
import { initPlatform, type Platform } from "./platform.js";
import { startPccsServer, type PccsServer } from "./pccsServer.js";
import { SIMULATION_ROOT_CA_DER, SIMULATION_TRUST } from "./pki.js";
import { generateQuote, type EnclaveReport } from "./quotingEnclave.js";
import { SIMULATED_TCB_STATES, SIMULATION_FMSPC, tcbLevelOf, type SimulatedTcbState } from "./tcbLevels.js";

let work: string;
let server: PccsServer;
let client: PccsClient;
const platforms = new Map<SimulatedTcbState, Platform>();

const report: EnclaveReport = {
  mrEnclave: new Uint8Array(32).fill(0x11),
  mrSigner: new Uint8Array(32).fill(0x22),
  reportData: new Uint8Array(64).fill(0x33),
  isvProdId: 1,
  isvSvn: 3,
};

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "msehome-sim-e2e-"));
  for (const state of SIMULATED_TCB_STATES)
    platforms.set(state, await initPlatform(path.join(work, state), { tcb: state }));
  server = await startPccsServer({ port: 0, platformDir: [...platforms.values()].map((p) => p.dir) });
  client = new PccsClient({ baseUrl: `${server.url}/sgx/certification/v4/`, insecureTls: true });
});
afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

const fetchCollateral = (): Promise<Collateral> =>
  client.fetchCollateral({ fmspc: SIMULATION_FMSPC, ca: "platform" });

async function simulated(
  state: SimulatedTcbState,
  enclave: EnclaveReport = report,
): Promise<{ quote: Uint8Array; collateral: Collateral }> {
  return { quote: generateQuote(platforms.get(state)!, enclave), collateral: await fetchCollateral() };
}

const verifySimulated = (quote: Uint8Array, collateral: Collateral, at?: Date): VerificationReport =>
  verifyQuote({ quote, collateral, ...SIMULATION_TRUST, ...(at ? { at } : {}) });
const failed = (r: VerificationReport) => r.checks.filter((c) => !c.ok).map((c) => c.name);

/** The allowances each status needs, per the attestation policy's flags. */
const REQUIRED: Record<string, Policy> = {
  SWHardeningNeeded: { allowSwHardeningNeeded: true },
  ConfigurationNeeded: { allowConfigurationNeeded: true },
  ConfigurationAndSWHardeningNeeded: { allowConfigurationNeeded: true, allowSwHardeningNeeded: true },
  OutOfDate: { allowOutdatedTcb: true },
  OutOfDateConfigurationNeeded: { allowOutdatedTcb: true, allowConfigurationNeeded: true },
};
const EVERYTHING: Policy = {
  allowOutdatedTcb: true,
  allowSwHardeningNeeded: true,
  allowConfigurationNeeded: true,
  allowExpiredCollateral: true,
  allowDebug: true,
};

describe("a simulated platform under --simulation", () => {
  it("passes every check and the strict policy when UpToDate, and says it is simulation", async () => {
    const { quote, collateral } = await simulated("up-to-date");
    const result = verifySimulated(quote, collateral);
    expect(failed(result)).toEqual([]);
    expect(result.checksPassed).toBe(true);
    expect(result.mode).toBe("simulation");
    expect(result.tcb).toMatchObject({
      status: "UpToDate",
      platformStatus: "UpToDate",
      qeStatus: "UpToDate",
      advisoryIds: [],
    });
    expect(result.collateral.expired).toBe(false);
    expect(result.platform).toMatchObject({ ca: "platform", fmspc: SIMULATION_FMSPC.toLowerCase() });
    expect(result.enclave).toMatchObject({
      mrEnclave: "11".repeat(32),
      mrSigner: "22".repeat(32),
      isvSvn: 3,
      debug: false,
    });
    expect(applyPolicy(result)).toEqual({ accepted: true, reasons: [] });
  });

  it.each(Object.keys(REQUIRED))(
    "reports %s with its advisories, accepted only with its allowances",
    async (status) => {
      const state = SIMULATED_TCB_STATES.find((s) => tcbLevelOf(s).status === status)!;
      const { quote, collateral } = await simulated(state);
      const result = verifySimulated(quote, collateral);
      expect(failed(result)).toEqual([]);
      expect(result.tcb.status).toBe(status);
      expect(result.tcb.advisoryIds).toEqual([...tcbLevelOf(state).advisoryIds]);

      const required = REQUIRED[status]!;
      expect(applyPolicy(result, required).accepted).toBe(true);
      const strict = applyPolicy(result);
      expect(strict.accepted).toBe(false);
      expect(strict.reasons.map((r) => r.check)).toEqual(["tcb.status"]);
      // Each required allowance is necessary: drop any one and it is refused again.
      for (const flag of Object.keys(required)) {
        expect(applyPolicy(result, { ...required, [flag]: false }).accepted).toBe(false);
      }
      // Allowances for other statuses do not help.
      const others = Object.fromEntries(
        Object.keys(EVERYTHING)
          .filter((f) => !(f in required) && f !== "allowExpiredCollateral" && f !== "allowDebug")
          .map((f) => [f, true]),
      );
      expect(applyPolicy(result, others).accepted).toBe(false);
    },
  );

  it("rejects a platform with a revoked PCK certificate whatever the allowances", async () => {
    const { quote, collateral } = await simulated("revoked");
    const result = verifySimulated(quote, collateral);
    expect(failed(result)).toContain("pck.revocation");
    expect(applyPolicy(result, EVERYTHING).accepted).toBe(false);
  });

  it("finds collateral fetched today expired a month later, accepted only when allowed", async () => {
    const { quote, collateral } = await simulated("up-to-date");
    const later = verifySimulated(quote, collateral, new Date(Date.now() + 31 * 24 * 3600 * 1000));
    expect(later.collateral.expired).toBe(true);
    expect(applyPolicy(later).reasons.map((r) => r.check)).toEqual(["collateral.expiry"]);
    expect(applyPolicy(later, { allowExpiredCollateral: true }).accepted).toBe(true);
  });

  it("refuses a debug enclave unless allowed", async () => {
    const debug = Uint8Array.from([0x07, 0, 0, 0, 0, 0, 0, 0, 0x03, 0, 0, 0, 0, 0, 0, 0]);
    const { quote, collateral } = await simulated("up-to-date", { ...report, attributes: debug });
    const result = verifySimulated(quote, collateral);
    expect(result.enclave?.debug).toBe(true);
    expect(applyPolicy(result).reasons.map((r) => r.check)).toEqual(["enclave.debug"]);
    expect(applyPolicy(result, { allowDebug: true }).accepted).toBe(true);
  });

  it("matches collateralFor(), the same collateral made in-process", async () => {
    const platform = platforms.get("up-to-date")!;
    const local = collateralFor(platform);
    const fetched = await fetchCollateral();
    expect(local.pck_crl_issuer_chain).toBe(fetched.pck_crl_issuer_chain);
    expect(local.tcb_info_issuer_chain).toBe(fetched.tcb_info_issuer_chain);
    expect(local.qe_identity_issuer_chain).toBe(fetched.qe_identity_issuer_chain);
    for (const c of [local, fetched]) {
      expect(c.pck_crl).toMatch(/^-----BEGIN X509 CRL-----\n[\s\S]+-----END X509 CRL-----$/);
      expect(c.root_ca_crl).toMatch(/^30[0-9a-f]+$/);
    }
    const result = verifySimulated(generateQuote(platform, report), local);
    expect(failed(result)).toEqual([]);
    expect(applyPolicy(result).accepted).toBe(true);
    // A revoked platform's own collateral lists its PCK certificate.
    const revoked = platforms.get("revoked")!;
    expect(failed(verifySimulated(generateQuote(revoked, report), collateralFor(revoked)))).toContain(
      "pck.revocation",
    );
  });
});

describe("a simulated platform without --simulation", () => {
  it.each(SIMULATED_TCB_STATES)("is rejected when %s: not rooted in the Intel SGX Root CA", async (state) => {
    const { quote, collateral } = await simulated(state);
    const result = verifyQuote({ quote, collateral });
    expect(result.mode).toBe("sgx");
    const root = result.checks.find((c) => c.name === "pck.chain.root")!;
    expect(root.ok).toBe(false);
    expect(root.reason).toContain("not rooted in the Intel SGX Root CA");
    expect(applyPolicy(result, EVERYTHING).accepted).toBe(false);
  });

  it("cannot be talked into trusting the simulation root in sgx mode", async () => {
    const { quote, collateral } = await simulated("up-to-date");
    expect(() => verifyQuote({ quote, collateral, trustedRoot: SIMULATION_ROOT_CA_DER })).toThrow(
      /trust mode "sgx" trusts only the Intel SGX Root CA/,
    );
  });
});

describe("tampering with simulated evidence", () => {
  const flip = (bytes: Uint8Array, offset: number): Uint8Array => {
    const copy = Uint8Array.from(bytes);
    copy[offset] = copy[offset]! ^ 0x01;
    return copy;
  };
  const QE_REPORT = 48 + 384 + 4 + 64 + 64;

  it.each([
    ["MRENCLAVE in the report body", 48 + 64, "quote.signature"],
    ["report data in the report body", 48 + 320, "quote.signature"],
    ["the header's PCE SVN", 10, "quote.signature"],
    ["the attestation key", 48 + 384 + 4 + 64, "qe_report.data"],
    ["the QE report", QE_REPORT + 64, "qe_report.signature"],
  ])("catches a changed %s", async (_, offset, check) => {
    const { quote, collateral } = await simulated("up-to-date");
    const result = verifySimulated(flip(quote, offset), collateral);
    expect(failed(result)).toContain(check);
    expect(applyPolicy(result, EVERYTHING).accepted).toBe(false);
  });

  it("catches collateral rewritten to claim a better TCB", async () => {
    const { quote, collateral } = await simulated("out-of-date");
    const forged = { ...collateral, tcb_info: collateral.tcb_info.replace('"OutOfDate"', '"UpToDate"') };
    expect(forged.tcb_info).not.toBe(collateral.tcb_info);
    const result = verifySimulated(quote, forged);
    expect(failed(result)).toContain("tcb_info.signature");
    expect(applyPolicy(result, EVERYTHING).accepted).toBe(false);
  });

  it("catches a quote whose PCK chain is swapped for another platform's", async () => {
    const { collateral } = await simulated("up-to-date");
    const mine = parseQuote(generateQuote(platforms.get("up-to-date")!, report));
    const other = parseQuote(generateQuote(platforms.get("out-of-date")!, report));
    mine.signatureData.certificationData = other.signatureData.certificationData;
    const result = verifySimulated(serializeQuote(mine), collateral);
    expect(failed(result)).toContain("qe_report.signature");
    expect(applyPolicy(result, EVERYTHING).accepted).toBe(false);
  });
});

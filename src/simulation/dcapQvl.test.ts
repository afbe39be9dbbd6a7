// Cross-check with an independent verifier: @phala/dcap-qvl, given the simulation root in place of Intel's, reaches the same verdicts.
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  QuoteVerifier,
  verify as verifyWithIntelRoot,
  type Collateral as QvlCollateral,
} from "@phala/dcap-qvl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initPlatform } from "./platform.js";
import { startPccsServer, type PccsServer } from "./pccsServer.js";
import { SIMULATION_ROOT_CA_DER } from "./pki.js";
import { generateQuote } from "./quotingEnclave.js";
import { SIMULATED_TCB_STATES, SIMULATION_FMSPC, tcbLevelOf, type SimulatedTcbState } from "./tcbLevels.js";

// dcap-qvl's own PCCS client, fetching over real HTTP. Its quote-driven getCollateral() guesses the PCK CA from
// the issuer name and falls back to "processor"; the FMSPC-driven one lets us name the Platform CA that issued our PCKs.
const require = createRequire(import.meta.url);
const { getCollateralForFmspc } = require("@phala/dcap-qvl/src/collateral.js") as {
  getCollateralForFmspc(url: string, fmspc: string, ca: string, forSgx: boolean): Promise<QvlCollateral>;
};

let work: string;
let server: PccsServer;
const dirs = new Map<SimulatedTcbState, string>();
const simulationVerifier = QuoteVerifier.newWithRootCa(Buffer.from(SIMULATION_ROOT_CA_DER));
const nowSecs = () => Math.floor(Date.now() / 1000);

async function quoteAndCollateral(
  state: SimulatedTcbState,
): Promise<{ quote: Uint8Array; collateral: QvlCollateral }> {
  const platform = await initPlatform(dirs.get(state)!, { tcb: state });
  const quote = generateQuote(platform, {
    mrEnclave: new Uint8Array(32).fill(7),
    mrSigner: new Uint8Array(32).fill(9),
    reportData: new Uint8Array(64).fill(1),
  });
  return { quote, collateral: await getCollateralForFmspc(server.url, SIMULATION_FMSPC, "platform", true) };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "msehome-sim-qvl-"));
  for (const state of SIMULATED_TCB_STATES) {
    dirs.set(state, path.join(work, state));
    await initPlatform(dirs.get(state)!, { tcb: state });
  }
  server = await startPccsServer({ port: 0, tls: false, platformDir: [...dirs.values()] });
});
afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

describe("@phala/dcap-qvl with the simulation root", () => {
  it.each(SIMULATED_TCB_STATES.filter((s) => s !== "revoked"))(
    "reports a %s platform with exactly its status and advisory IDs",
    async (state) => {
      const { quote, collateral } = await quoteAndCollateral(state);
      const report = simulationVerifier.verify(quote, collateral, nowSecs());
      const level = tcbLevelOf(state);
      expect(report.status).toBe(level.status);
      expect(report.advisory_ids).toEqual([...level.advisoryIds]);
    },
  );

  it("rejects a platform whose PCK certificate is revoked", async () => {
    const { quote, collateral } = await quoteAndCollateral("revoked");
    expect(() => simulationVerifier.verify(quote, collateral, nowSecs())).toThrow(/revoked/i);
  });

  it("rejects every simulated quote under Intel's root", async () => {
    const { quote, collateral } = await quoteAndCollateral("up-to-date");
    expect(() => verifyWithIntelRoot(quote, collateral, nowSecs())).toThrow(/certificate chain/);
  });

  it("catches a tampered quote and tampered collateral", async () => {
    const { quote, collateral } = await quoteAndCollateral("up-to-date");
    const tampered = Uint8Array.from(quote);
    tampered[48 + 64] = tampered[48 + 64]! ^ 0xff; // MRENCLAVE
    expect(() => simulationVerifier.verify(tampered, collateral, nowSecs())).toThrow(/signature is invalid/);
    const forged = {
      ...collateral,
      tcb_info: collateral.tcb_info.replace('"ConfigurationNeeded"', '"UpToDate"'),
    };
    expect(forged.tcb_info).not.toBe(collateral.tcb_info);
    expect(() => simulationVerifier.verify(quote, forged, nowSecs())).toThrow(
      /Signature is invalid for tcb_info/,
    );
  });

  it("finds the collateral expired after its thirty days", async () => {
    const { quote, collateral } = await quoteAndCollateral("up-to-date");
    expect(() => simulationVerifier.verify(quote, collateral, nowSecs() + 31 * 24 * 3600)).toThrow(/expired/);
  });
});

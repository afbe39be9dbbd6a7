// quote show / quote verify, including a full round with the simulated SGX platform and its PCCS
// (HTTPS, self-signed): the verifier reports exactly the TCB status the platform was set to.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describeQuote, readQuoteInput, showQuote, verifyQuoteFile } from "./quote.js";
import { renderCollateralJson } from "../attestation/collateral.js";
import { VECTOR_AT, VECTOR_MRENCLAVE, vectorEvidence } from "../attestation/testing/msehomeEvidence.js";
import { initPlatform } from "../simulation/platform.js";
import { startPccsServer, type PccsServer } from "../simulation/pccsServer.js";
import { generateQuote } from "../simulation/quotingEnclave.js";
import { SIMULATED_TCB_STATES, tcbLevelOf, type SimulatedTcbState } from "../simulation/tcbLevels.js";
import { VECTORS_DIR } from "../../test/support/vectors.js";

const vector = vectorEvidence();
let work: string;
let server: PccsServer;
const dirs = new Map<SimulatedTcbState, string>();

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "msehome-quote-"));
  await writeFile(path.join(work, "ratls.pem"), vector.certificatePem);
  await writeFile(path.join(work, "collateral.json"), renderCollateralJson(vector.collateral));
  for (const state of SIMULATED_TCB_STATES) {
    dirs.set(state, path.join(work, state));
    await initPlatform(dirs.get(state)!, { tcb: state });
  }
  server = await startPccsServer({ port: 0, tls: true, platformDir: [...dirs.values()] });
});
afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

async function simulatedQuoteFile(state: SimulatedTcbState): Promise<string> {
  const platform = await initPlatform(dirs.get(state)!, { tcb: state });
  const file = path.join(work, `${state}.quote`);
  await writeFile(
    file,
    generateQuote(platform, {
      mrEnclave: new Uint8Array(32).fill(7),
      mrSigner: new Uint8Array(32).fill(9),
      reportData: new Uint8Array(64).fill(1),
    }),
  );
  return file;
}

describe("quote show", () => {
  it("shows every field of a raw quote, the PCK extension included", async () => {
    const shown = await showQuote(path.join(VECTORS_DIR, "intel-sgx-ra-quote.dat"));
    expect(shown.source).toBe("quote");
    expect(shown.size).toBe(4734);
    expect(shown.header).toMatchObject({
      version: 3,
      attestationKeyType: 2,
      qeVendorId: "939a7233f79c4ca9940a0db3957f0607",
    });
    expect(shown.reportBody.mrEnclave).toBe(
      "e413a4ed616c7a79634d5ca05a2fda746a1f0c71349a80b25a02828846fab90e",
    );
    expect(shown.signature.certificates.map((c) => c.subject)).toEqual([
      "Intel SGX PCK Certificate",
      "Intel SGX PCK Platform CA",
      "Intel SGX Root CA",
    ]);
    expect(shown.pckExtension).toMatchObject({
      fmspc: expect.stringMatching(/^[0-9a-f]{12}$/),
      sgxType: expect.any(String),
    });
  });

  it("reads the quote out of an RA-TLS certificate, PEM or DER", async () => {
    const pem = await readQuoteInput(path.join(work, "ratls.pem"));
    expect(pem.source).toBe("certificate");
    expect(describeQuote(pem).reportBody.mrEnclave).toBe(VECTOR_MRENCLAVE);
    const derFile = path.join(work, "ratls.der");
    const der = Buffer.from(vector.certificatePem.replace(/-----[^-]+-----|\s/g, ""), "base64");
    await writeFile(derFile, der);
    expect((await readQuoteInput(derFile)).quote).toEqual(pem.quote);
  });

  it("names a file that is neither", async () => {
    const junk = path.join(work, "junk");
    await writeFile(junk, "hello");
    await expect(showQuote(junk)).rejects.toMatchObject({
      message: expect.stringMatching(/junk is neither a quote nor an RA-TLS certificate$/) as unknown,
      cause: { message: expect.stringMatching(/^quote is truncated/) as unknown },
    });
    await expect(readQuoteInput(path.join(work, "missing"))).rejects.toThrow(/cannot read .*missing/);
  });
});

describe("quote verify", () => {
  it("verifies the vector certificate against a collateral file", async () => {
    const result = await verifyQuoteFile({
      file: path.join(work, "ratls.pem"),
      collateralPath: path.join(work, "collateral.json"),
      at: VECTOR_AT,
      mrEnclave: VECTOR_MRENCLAVE,
      policy: { allowOutdatedTcb: true, allowExpiredCollateral: true },
    });
    expect(result.accepted).toBe(true);
    expect(result.report.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(["enclave.mrenclave", "ratls.binding"]),
    );
    const strict = await verifyQuoteFile({
      file: path.join(work, "ratls.pem"),
      collateralPath: path.join(work, "collateral.json"),
      at: VECTOR_AT,
    });
    expect(strict.reasons.map((r) => r.check)).toEqual(["tcb.status", "collateral.expiry"]);
  });

  it("needs collateral from somewhere", async () => {
    await expect(
      verifyQuoteFile({
        file: path.join(work, "ratls.pem"),
        qcnlConfigPath: path.join(work, "no-qcnl.conf"),
      }),
    ).rejects.toThrow(
      /needs collateral: --collateral <file> or --pccs <url> \(.*no-qcnl.conf does not exist\)/,
    );
  });

  it("takes the PCCS from the QCNL configuration, self-signed certificate included", async () => {
    const conf = path.join(work, "qcnl.conf");
    await writeFile(
      conf,
      `{\n  // local PCCS\n  "pccs_url": "${server.url}/sgx/certification/v4/",\n  "use_secure_cert": false\n}\n`,
    );
    const result = await verifyQuoteFile({
      file: await simulatedQuoteFile("up-to-date"),
      qcnlConfigPath: conf,
      simulation: true,
    });
    expect(result.collateralSource).toBe(server.url);
    expect(result.accepted).toBe(true);
  });

  for (const state of SIMULATED_TCB_STATES) {
    it(`reports the simulated ${state} platform exactly, from its PCCS`, async () => {
      const result = await verifyQuoteFile({
        file: await simulatedQuoteFile(state),
        pccsUrl: server.url,
        pccsInsecureTls: true,
        simulation: true,
      });
      expect(result.report.mode).toBe("simulation");
      expect(result.warning).toMatch(/^simulation: .*proves no hardware protection$/);
      if (state === "revoked") {
        expect(result.report.checks.find((c) => c.name === "pck.revocation")).toMatchObject({ ok: false });
        expect(result.accepted).toBe(false);
        return;
      }
      const level = tcbLevelOf(state);
      expect(result.report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(result.report.tcb.status).toBe(level.status);
      expect(result.report.tcb.advisoryIds).toEqual([...level.advisoryIds]);
      expect(result.accepted).toBe(level.status === "UpToDate");
    });
  }

  it("never trusts a simulated quote without --simulation", async () => {
    const result = await verifyQuoteFile({
      file: await simulatedQuoteFile("up-to-date"),
      pccsUrl: server.url,
      pccsInsecureTls: true,
    });
    expect(result.accepted).toBe(false);
    expect(result.report.checks.find((c) => c.name === "pck.chain.root")!.reason).toContain(
      "not rooted in the Intel SGX Root CA",
    );
    expect(result.warning).toBeUndefined();
  });

  it("refuses the self-signed PCCS unless told to accept it", async () => {
    await expect(
      verifyQuoteFile({
        file: await simulatedQuoteFile("up-to-date"),
        pccsUrl: server.url,
        simulation: true,
      }),
    ).rejects.toThrow(/PCCS request https:.* failed: .*self-signed/);
  });
});

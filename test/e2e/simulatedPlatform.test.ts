// The simulated platform through the CLI as users run it: sim init, sim pccs over HTTPS, quote show and quote verify.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPlatform } from "../../src/simulation/platform.js";
import { generateQuote } from "../../src/simulation/quotingEnclave.js";
import type { SimulatedTcbState } from "../../src/simulation/tcbLevels.js";
import { CLI_PATH, runCli } from "../support/cli.js";
import { VECTORS_DIR } from "../support/vectors.js";

let work: string;
let platformDir: string;
let pccs: ChildProcess;
let pccsUrl: string;

/** Resets the platform with the CLI and writes a quote the simulated QE makes on it. */
async function quoteFile(state: SimulatedTcbState): Promise<string> {
  const init = await runCli(["sim", "init", "--dir", platformDir, "--tcb", state]);
  expect(init.code).toBe(0);
  const file = path.join(work, `${state}.quote`);
  const quote = generateQuote(await loadPlatform(platformDir), {
    mrEnclave: new Uint8Array(32).fill(0x5a),
    mrSigner: new Uint8Array(32).fill(0xa5),
    reportData: new Uint8Array(64).fill(0x42),
    isvProdId: 1,
    isvSvn: 10,
  });
  await writeFile(file, quote);
  return file;
}

const verify = (file: string, ...flags: string[]) =>
  runCli(["quote", "verify", file, "--pccs", pccsUrl, "--pccs-insecure-tls", ...flags]);

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "msehome-sim-flow-"));
  platformDir = path.join(work, "platform");
  expect((await runCli(["sim", "init", "--dir", platformDir])).code).toBe(0);
  pccs = spawn(process.execPath, [CLI_PATH, "--json", "sim", "pccs", "--port", "0", "--dir", platformDir]);
  let stdout = "";
  pccsUrl = await new Promise<string>((resolve, reject) => {
    pccs.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      try {
        resolve((JSON.parse(stdout) as { url: string }).url);
      } catch {
        // the JSON document is not complete yet
      }
    });
    pccs.on("close", (code) => reject(new Error(`sim pccs exited with ${code}`)));
  });
});
afterAll(async () => {
  const closed = new Promise((resolve) => pccs.once("close", resolve));
  pccs.kill("SIGTERM");
  await closed;
  await rm(work, { recursive: true, force: true });
});

/** Every key, recursively, with the type of its value: the "shape" of a JSON document. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]));
  }
  return typeof value;
}

describe("msehome quote show on a simulated quote", () => {
  it("prints the same fields, in the same shape, as on a real hardware quote", async () => {
    const simulated = await runCli(["--json", "quote", "show", await quoteFile("up-to-date")]);
    const real = await runCli(["--json", "quote", "show", path.join(VECTORS_DIR, "intel-sgx-ra-quote.dat")]);
    expect(simulated.code).toBe(0);
    expect(real.code).toBe(0);
    const sim = JSON.parse(simulated.stdout) as Record<string, unknown>;
    const hw = JSON.parse(real.stdout) as Record<string, unknown>;
    expect(shapeOf(sim)).toEqual(shapeOf(hw));
    expect(Object.keys(sim)).toEqual(Object.keys(hw));
    const certificates = (doc: Record<string, unknown>) =>
      (doc.signature as { certificates: unknown[] }).certificates;
    expect(certificates(sim)).toHaveLength(certificates(hw).length);

    // The human rendering has the same fields too.
    const human = await runCli(["quote", "show", path.join(work, "up-to-date.quote")]);
    const humanReal = await runCli(["quote", "show", path.join(VECTORS_DIR, "intel-sgx-ra-quote.dat")]);
    const fieldNames = (text: string) => [...text.matchAll(/^\s*"(\w+)":/gm)].map((m) => m[1]);
    expect(fieldNames(human.stdout)).toEqual(fieldNames(humanReal.stdout));
  });
});

describe("msehome quote verify on a simulated quote", () => {
  it("accepts an UpToDate platform with --simulation, warning that it proves no hardware protection", async () => {
    const run = await verify(await quoteFile("up-to-date"), "--simulation", "--mrenclave", "5a".repeat(32));
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: simulation: .*proves no hardware protection/);
    const json = await runCli([
      "--json",
      "quote",
      "verify",
      path.join(work, "up-to-date.quote"),
      "--pccs",
      pccsUrl,
      "--pccs-insecure-tls",
      "--simulation",
    ]);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout) as {
      accepted: boolean;
      report: { mode: string; tcb: { status: string } };
    };
    expect(result).toMatchObject({
      accepted: true,
      report: { mode: "simulation", tcb: { status: "UpToDate" } },
    });
  });

  it("rejects it without --simulation: not rooted in the Intel SGX Root CA", async () => {
    const run = await verify(
      await quoteFile("up-to-date"),
      "--allow-outdated-tcb",
      "--allow-expired-collateral",
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: .*not rooted in the Intel SGX Root CA/);
  });

  it("accepts an OutOfDate platform only with --allow-outdated-tcb", async () => {
    const file = await quoteFile("out-of-date");
    const strict = await verify(file, "--simulation");
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(
      /TCB status is OutOfDate \(advisories INTEL-SA-00586, INTEL-SA-00614, INTEL-SA-00615\)/,
    );
    expect(strict.stderr).toContain("--allow-outdated-tcb");
    expect((await verify(file, "--simulation", "--allow-outdated-tcb")).code).toBe(0);
  });

  it("rejects a revoked platform whatever the allowances", async () => {
    const run = await verify(
      await quoteFile("revoked"),
      "--simulation",
      "--allow-outdated-tcb",
      "--allow-sw-hardening-needed",
      "--allow-configuration-needed",
      "--allow-expired-collateral",
      "--allow-debug",
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^error: verification failed: pck.revocation failed: .*is revoked by the PCK CRL/m,
    );
  });
});

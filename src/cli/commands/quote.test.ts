// `msehome quote show|verify` as a user runs them.
import { describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../../test/support/tempDir.js";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { runCli } from "../../../test/support/cli.js";
import { VECTORS_DIR } from "../../../test/support/vectors.js";
import { renderCollateralJson } from "../../attestation/collateral.js";
import { hardwareVectors } from "../../attestation/testing/hardwareVectors.js";
import { vectorEvidence } from "../../attestation/testing/msehomeEvidence.js";

const dir = tempDirPerTest("quote-cli");

describe("msehome quote", () => {
  it("show prints every field as JSON", async () => {
    const run = await runCli(["--json", "quote", "show", path.join(VECTORS_DIR, "intel-sgx-ra-quote.dat")]);
    expect(run.code, run.stderr).toBe(0);
    const shown = JSON.parse(run.stdout) as {
      reportBody: { mrSigner: string };
      pckExtension: { fmspc: string };
    };
    expect(shown.reportBody.mrSigner).toBe(
      "ac2c9fa87e4c91768b1d0c47169466c50d5a98c790639fbaefe7352a59919980",
    );
    expect(shown.pckExtension.fmspc).toHaveLength(12);
  });

  it("verify checks a certificate against a collateral file", async () => {
    const vector = vectorEvidence();
    await writeFile(path.join(dir(), "ratls.pem"), vector.certificatePem);
    await writeFile(path.join(dir(), "collateral.json"), renderCollateralJson(vector.collateral));
    const args = [
      "quote",
      "verify",
      path.join(dir(), "ratls.pem"),
      "--collateral",
      path.join(dir(), "collateral.json"),
      "--at",
      "2023-06-21T00:00:00Z",
    ];
    const strict = await runCli(args);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/OutOfDate/);
    const relaxed = await runCli([
      ...args,
      "--allow-outdated-tcb",
      "--allow-expired-collateral",
      "--mrsigner",
      "c1c161d0dd996e8a9847de67ea2c00226761f7715a2c422d3012ac10795a1ef5",
    ]);
    expect(relaxed.code, relaxed.stderr).toBe(0);
    expect(relaxed.stdout).toMatch(/Verdict: +accepted/);
    const wrongSigner = await runCli([
      ...args,
      "--allow-outdated-tcb",
      "--allow-expired-collateral",
      "--mrsigner",
      "0".repeat(64),
    ]);
    expect(wrongSigner.code).toBe(1);
    expect(wrongSigner.stderr).toMatch(/enclave\.mrsigner failed/);
  });

  it("verify applies the advisory allowlist to a raw quote from real hardware", async () => {
    const vector = hardwareVectors().find((v) => v.source === "zkdcap")!;
    await writeFile(path.join(dir(), "quote.dat"), vector.quote);
    await writeFile(path.join(dir(), "collateral.json"), renderCollateralJson(vector.collateral));
    await writeFile(path.join(dir(), "allowed.json"), '["INTEL-SA-00334"]\n');
    const args = [
      "quote",
      "verify",
      path.join(dir(), "quote.dat"),
      "--collateral",
      path.join(dir(), "collateral.json"),
      "--at",
      vector.at.toISOString(),
      "--allow-sw-hardening-needed",
      "--allowed-advisories",
      path.join(dir(), "allowed.json"),
    ];
    const one = await runCli(args);
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(
      /SWHardeningNeeded with advisories that are not allowed: INTEL-SA-00615 \(platform\); accepting them needs --allow-advisory/,
    );
    const both = await runCli(["--json", ...args, "--allow-advisory", "INTEL-SA-00615"]);
    expect(both.code, both.stderr).toBe(0);
    const result = JSON.parse(both.stdout) as { accepted: boolean; report: { tcb: { advisories: unknown } } };
    expect(result.accepted).toBe(true);
    expect(result.report.tcb.advisories).toEqual({ platform: ["INTEL-SA-00334", "INTEL-SA-00615"], qe: [] });
  });

  it("verify names a missing collateral file", async () => {
    const run = await runCli([
      "quote",
      "verify",
      path.join(VECTORS_DIR, "intel-sgx-ra-quote.dat"),
      "--collateral",
      path.join(dir(), "none.json"),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot read the collateral file .*none\.json/);
  });
});

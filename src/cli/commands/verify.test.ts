// `msehome verify` as a user runs it, on the original msehome's hardware evidence.
import { describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../../test/support/tempDir.js";
import { readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { runCli } from "../../../test/support/cli.js";
import { VECTORS_DIR } from "../../../test/support/vectors.js";

const EVIDENCE = path.join(VECTORS_DIR, "mse-home-evidence.json");
const MRENCLAVE = "0e4ec55e690b06a574af59dfd51baa3866ac4c8d37896effc0f1fad17b31cf3b";
const AT = ["--at", "2023-06-21T00:00:00Z"];

const dir = tempDirPerTest("verify-cli");

const base = () => [
  "verify",
  "--evidence",
  EVIDENCE,
  "--output",
  path.join(dir(), "out"),
  "--mrenclave",
  MRENCLAVE,
];

describe("msehome verify", () => {
  it("rejects the evidence under the strict policy in one sentence naming both reasons", async () => {
    const run = await runCli([...base(), ...AT]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^error: verification failed: the TCB status is OutOfDate .*--allow-outdated-tcb; the collateral is not current .*PCK CRL.*--allow-expired-collateral\.$/,
    );
    await expect(readdir(path.join(dir(), "out"))).rejects.toThrow(/ENOENT/);
  });

  it("prints the report with --json on failure, then fails", async () => {
    const run = await runCli(["--json", ...base(), ...AT]);
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as {
      accepted: boolean;
      report: { tcb: { status: string; advisoryIds: string[] }; mode: string };
    };
    expect(result.accepted).toBe(false);
    expect(result.report.mode).toBe("sgx");
    expect(result.report.tcb.status).toBe("OutOfDate");
    expect(result.report.tcb.advisoryIds).toHaveLength(7);
    expect(run.stderr).toMatch(/^error: verification failed/);
  });

  it("lists every check with --verbose", async () => {
    const run = await runCli(["--verbose", ...base(), ...AT]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/ok +quote\.signature: /);
    expect(run.stdout).toMatch(/ok +pck\.revocation: /);
    expect(run.stdout).toMatch(/Verdict: +rejected/);
  });

  it("accepts with --allow-outdated-tcb --allow-expired-collateral and writes ratls.pem", async () => {
    const run = await runCli([...base(), ...AT, "--allow-outdated-tcb", "--allow-expired-collateral"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Verdict: +accepted/);
    expect(run.stdout).toMatch(
      /Advisories: +INTEL-SA-00586, INTEL-SA-00614, INTEL-SA-00615, INTEL-SA-00657, INTEL-SA-00730, INTEL-SA-00738, INTEL-SA-00767/,
    );
    expect(run.stderr).toContain(`Wrote ${path.join(dir(), "out", "ratls.pem")}`);
    const evidence = JSON.parse(await readFile(EVIDENCE, "utf8")) as { ratls_certificate: string };
    expect((await readFile(path.join(dir(), "out", "ratls.pem"), "utf8")).trim()).toBe(
      evidence.ratls_certificate.trim(),
    );
  });

  it("accepts the advisories listed with --allow-advisory and --allowed-advisories, and names the others", async () => {
    const relaxed = [...base(), ...AT, "--allow-outdated-tcb", "--allow-expired-collateral"];
    const some = await runCli([
      ...relaxed,
      "--allow-advisory",
      "INTEL-SA-00586",
      "--allow-advisory",
      "intel-sa-00615",
    ]);
    expect(some.code).toBe(1);
    expect(some.stderr.trim()).toBe(
      "error: verification failed: the TCB status is OutOfDate with advisories that are not allowed: INTEL-SA-00614 (platform), INTEL-SA-00657 (platform), INTEL-SA-00730 (platform), INTEL-SA-00738 (platform), INTEL-SA-00767 (platform); accepting them needs --allow-advisory for each.",
    );
    const file = path.join(dir(), "allowed.txt");
    await writeFile(
      file,
      "# reviewed\nINTEL-SA-00614, INTEL-SA-00657\nINTEL-SA-00730 INTEL-SA-00738 INTEL-SA-00767\n",
    );
    const all = await runCli([
      ...relaxed,
      "--allow-advisory",
      "INTEL-SA-00586",
      "--allowed-advisories",
      file,
      "--allow-advisory",
      "INTEL-SA-00615",
    ]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/Advisories: +INTEL-SA-00586, .*INTEL-SA-00767 \(platform\)$/m);
  });

  it("refuses a malformed advisory as a usage error and an unreadable or malformed list as a failure", async () => {
    const bad = await runCli([...base(), "--allow-advisory", "SA-00615"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--allow-advisory <id>.*must be an Intel advisory ID, e.g. INTEL-SA-00615/);
    const missing = await runCli([...base(), ...AT, "--allowed-advisories", path.join(dir(), "none.txt")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: cannot read the allowed advisories file .*none\.txt: ENOENT/);
    const file = path.join(dir(), "bad.txt");
    await writeFile(file, "INTEL-SA-00615\nnot-an-id\n");
    const malformed = await runCli([...base(), ...AT, "--allowed-advisories", file]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr.trim()).toBe(
      `error: ${file} line 2: "not-an-id" is not an Intel advisory ID (e.g. INTEL-SA-00615).`,
    );
  });

  it("refuses flag combinations that say nothing to verify or compare with, as usage errors", async () => {
    const out = ["--output", dir()];
    const cases: Array<[string[], RegExp]> = [
      [
        ["verify", ...out, "--mrenclave", MRENCLAVE],
        /needs --evidence <file> .* or --url <https:\/\/host:port>/,
      ],
      [["verify", ...out, "--url", "https://127.0.0.1:1"], /verify --url needs the expected measurement/],
      [
        ["verify", ...out, "--url", "https://127.0.0.1:1", "--package", "p.tar"],
        /--package with --url needs --evidence/,
      ],
      [
        ["verify", ...out, "--url", "http://127.0.0.1:1", "--mrenclave", MRENCLAVE],
        /invalid --url: .*must start with https:\/\//,
      ],
      [[...base(), "--pccs", "http://127.0.0.1:1"], /--pccs is for --url/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(message);
    }
  });

  it("without --at names the expired certificate and TCB info", async () => {
    const run = await runCli(base());
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/ratls\.certificate\.validity failed: the RA-TLS certificate is expired/);
    expect(run.stderr).toMatch(/TCB info \(2023-05-30T00:45:00Z \.\. 2023-06-29T00:45:00Z\)/);
  });

  it("refuses bad flags as usage errors", async () => {
    expect((await runCli(["verify", "--evidence", EVIDENCE, "--output", dir()])).stderr).toMatch(
      /--mrenclave <hex> or --package <file>/,
    );
    const bad = await runCli([...base(), "--at", "yesterday"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--at <iso-8601>.*must be an ISO 8601 date/);
    const both = await runCli([...base(), "--package", "p.tar"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/cannot be used with/);
  });

  it("names a --package that does not exist", async () => {
    const run = await runCli([
      "verify",
      "--evidence",
      EVIDENCE,
      "--output",
      dir(),
      "--package",
      path.join(dir(), "package_app_1.tar"),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: the package ${path.join(dir(), "package_app_1.tar")} does not exist.\n`);
  });
});

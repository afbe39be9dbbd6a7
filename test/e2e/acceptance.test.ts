// scripts/sgx-acceptance.sh in --simulation mode, with the test suite's Docker engine: every step
// passes and the report says so, a failing step stops the run naming the step, and either way the
// app, its images, the simulated PCCS and the workspace are gone afterwards.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { connect } from "node:net";
import path from "node:path";
import { beforeAll, expect, it } from "vitest";
import { listAppContainers } from "../../src/docker/appContainerLookup.js";
import { ensureBaseImage } from "../support/baseImage.js";
import { describeDocker, testEngine } from "../support/docker.js";
import { tempDirPerTest } from "../support/tempDir.js";
import { REPO_ROOT } from "../support/vectors.js";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function acceptance(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      "bash",
      ["scripts/sgx-acceptance.sh", ...args],
      { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const STEPS = [
  "msehome build",
  "simulated platform",
  "simulated PCCS",
  "doctor",
  "base image",
  "scaffold",
  "package",
  "spawn",
  "verify --package",
  "MRENCLAVE dry-run = quote",
  "seal",
  "run",
  "test",
  "fetch and decrypt",
  "restart",
];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Nothing the run created is left: workspace, app containers, package images, the PCCS. */
async function expectCleanedUp(run: Run, log: string): Promise<void> {
  const workspace = /^Workspace: (.+)$/m.exec(run.stdout)?.[1];
  expect(workspace).toMatch(/msehome-acceptance\./);
  expect(existsSync(workspace!)).toBe(false);
  const apps = await listAppContainers(testEngine());
  expect(apps.filter((app) => app.name.startsWith("acceptance-"))).toEqual([]);
  const images = (await testEngine().api.listImages()).flatMap((image) => image.RepoTags ?? []);
  expect(images.filter((tag) => tag.startsWith("msehome-package/acceptance-"))).toEqual([]);
  const pccs = /^PCCS at http:\/\/127\.0\.0\.1:(\d+)$/m.exec(await readFile(log, "utf8"))?.[1];
  expect(pccs).toBeDefined();
  const refused = await new Promise<boolean>((resolve) => {
    const socket = connect(Number(pccs), "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
  expect(refused).toBe(true);
}

describeDocker("scripts/sgx-acceptance.sh --simulation", () => {
  const dir = tempDirPerTest("acceptance");

  beforeAll(async () => {
    await ensureBaseImage();
  }, 240_000);

  it("passes every step, one report line each, and removes what it created", async () => {
    const log = path.join(dir(), "acceptance.log");
    const run = await acceptance(["--simulation", "--log", log]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toMatch(
      /^msehome \d+\.\d+\.\d+ acceptance on a simulated SGX platform \(Linux .*, Docker .*\)$/,
    );
    const steps = lines.filter((line) => /^ {2}[✓✗-] /.test(line));
    expect(steps).toHaveLength(STEPS.length);
    steps.forEach((line, i) =>
      expect(line).toMatch(new RegExp(`^ {2}✓ ${escape(STEPS[i]!)} +\\d+\\.\\d s$`)),
    );
    expect(lines).toContain(`Log: ${log}`);
    expect(run.stdout).toMatch(/^PASSED: all 15 steps on a simulated SGX platform in \d+\.\d s\.$/m);

    // The log a user attaches to a report: the environment, then every step's commands and output.
    const text = await readFile(log, "utf8");
    expect(text).toMatch(
      /===== 00-environment =====\nmsehome \d+\.\d+\.\d+, mode simulation, size 2048 MB\n/,
    );
    expect(text).toMatch(
      /===== 10-MRENCLAVE-dry-run---quote =====\n\$ step_mrenclave\ndry-run MRENCLAVE: ([0-9a-f]{64})\nquote's MRENCLAVE: \1\n/,
    );
    expect(text).toContain("the restarted app presents the verified certificate");
    expect(text).toContain(
      "decrypted: message using result_aes_key from SECRETS / message using result_sk from SEALED_SECRETS",
    );
    await expectCleanedUp(run, log);
  }, 900_000);

  it("stops at a failing step, naming it and its error, exits 1 and still cleans up", async () => {
    const log = path.join(dir(), "failed.log");
    const run = await acceptance(["--simulation", "--size", "3000", "--log", log]);
    expect(run.code).toBe(1);
    const steps = run.stdout.split("\n").filter((line) => /^ {2}[✓✗-] /.test(line));
    const failedAt = STEPS.indexOf("spawn");
    steps
      .slice(0, failedAt)
      .forEach((line, i) => expect(line).toMatch(new RegExp(`^ {2}✓ ${escape(STEPS[i]!)} `)));
    expect(steps[failedAt]).toMatch(/^ {2}✗ spawn +\d+\.\d s$/);
    steps
      .slice(failedAt + 1)
      .forEach((line, i) =>
        expect(line).toMatch(new RegExp(`^ {2}- ${escape(STEPS[failedAt + 1 + i]!)} +not run$`)),
      );
    expect(steps).toHaveLength(STEPS.length);
    expect(run.stdout).toContain(
      'FAILED at step "spawn" (exit 2): invalid --size 3000: it is not a power of two (e.g. 1024, 2048, 4096).',
    );
    expect(run.stdout).not.toContain("PASSED");
    expect(run.stderr).toMatch(
      /^--- the last lines of step "spawn" \(.*08-spawn\.log\) ---\n\$ step_spawn\n/,
    );
    await expectCleanedUp(run, log);
  }, 600_000);

  it("refuses unknown options and --pccs in simulation, as usage errors", async () => {
    const unknown = await acceptance(["--frobnicate"]);
    expect(unknown).toMatchObject({ code: 2, stdout: "" });
    expect(unknown.stderr).toBe("sgx-acceptance: unknown option --frobnicate (see --help)\n");
    const pccs = await acceptance(["--simulation", "--pccs", "https://pccs.example:8081"]);
    expect(pccs.code).toBe(2);
    expect(pccs.stderr).toBe(
      "sgx-acceptance: --simulation starts its own simulated PCCS; --pccs is for SGX hardware\n",
    );
  });
});

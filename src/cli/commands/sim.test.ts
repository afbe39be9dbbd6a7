// `msehome sim init` and `msehome sim pccs` as a user runs them: results on stdout, warnings and request logs on stderr.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../../test/support/tempDir.js";
import { CLI_PATH, runCli } from "../../../test/support/cli.js";

const work = tempDirPerTest("sim-cli");

describe("msehome sim init", () => {
  it("creates the platform named by MSEHOME_SIM_PLATFORM and says it is simulated", async () => {
    const dir = path.join(work(), "platform");
    const run = await runCli(["sim", "init", "--tcb", "sw-hardening-needed"], {
      env: { MSEHOME_SIM_PLATFORM: dir },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Simulated SGX platform ready in ${dir}`);
    expect(run.stdout).toContain("SWHardeningNeeded, INTEL-SA-00615");
    expect(run.stderr).toMatch(/^warning: simulated SGX platform: .*prove no hardware protection/);
    expect(existsSync(path.join(dir, "platform.json"))).toBe(true);
  });

  it("prints a machine-readable summary with --json", async () => {
    const dir = path.join(work(), "p");
    const run = await runCli(["--json", "sim", "init", "--dir", dir]);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      dir,
      tcbState: "up-to-date",
      tcbStatus: "UpToDate",
      advisoryIds: [],
      fmspc: "53494D000000",
    });
    expect(summary.pckSerialNumber).toMatch(/^[0-9a-f]+$/);
  });

  it("rejects an unknown TCB state as a usage error, writing nothing", async () => {
    const dir = path.join(work(), "p");
    const run = await runCli(["sim", "init", "--dir", dir, "--tcb", "shiny"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: option '--tcb <state>' argument 'shiny' is invalid/);
    expect(existsSync(dir)).toBe(false);
  });
});

describe("msehome sim pccs", () => {
  it("serves until SIGTERM, logging each request on stderr", async () => {
    const dir = path.join(work(), "p");
    expect((await runCli(["sim", "init", "--dir", dir])).code).toBe(0);
    const child = spawn(process.execPath, [
      CLI_PATH,
      "--json",
      "sim",
      "pccs",
      "--port",
      "0",
      "--http",
      "--dir",
      dir,
    ]);
    let stdout = "";
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
        try {
          resolve((JSON.parse(stdout) as { url: string }).url);
        } catch {
          // wait for the whole JSON document
        }
      });
      child.on("close", () => reject(new Error(`pccs exited early: ${stderr}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${url}/sgx/certification/v4/tcb?fmspc=53494D000000`);
    expect(response.status).toBe(200);
    expect(response.headers.get("tcb-info-issuer-chain")).toContain("BEGIN%20CERTIFICATE");
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/GET \/sgx\/certification\/v4\/tcb\?fmspc=53494D000000 200 \d+B/);
    expect(stderr).toContain("warning: simulated SGX platform");
  });

  it("fails with one sentence when there is no platform, and refuses a bad port", async () => {
    const missing = await runCli(["sim", "pccs", "--port", "0", "--dir", path.join(work(), "none")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: no simulated SGX platform at .*msehome sim init/);
    const badPort = await runCli(["sim", "pccs", "--port", "http"]);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/must be a TCP port/);
  });
});

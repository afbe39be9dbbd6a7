// The CLI core contract: help, version, usage errors (exit 2), failures (exit 1), backtraces on request.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { runCli } from "../../test/support/cli.js";
import { describeError, reportError, UsageError } from "./errors.js";

const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;

describe("msehome CLI core", () => {
  it("prints its version and exits 0", async () => {
    const run = await runCli(["--version"]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(version);
  });

  it("prints help naming the global flags", async () => {
    const run = await runCli(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("--json");
    expect(run.stdout).toContain("--verbose");
  });

  it("exits 2 with one line on an unknown option", async () => {
    const run = await runCli(["--no-such-flag"]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^error: .*--no-such-flag/);
  });
});

describe("error reporting", () => {
  it("joins causes into one sentence", () => {
    const error = new Error("cannot read evidence.json", { cause: new Error("ENOENT: no such file") });
    expect(describeError(error)).toBe("cannot read evidence.json: ENOENT: no such file.");
  });

  it("gives usage errors exit code 2 and others 1, with a stack only on request", () => {
    const lines: string[] = [];
    const previous = process.env.MSEHOME_BACKTRACE;
    delete process.env.MSEHOME_BACKTRACE;
    expect(reportError(new UsageError("--aes and --key are exclusive"), (t) => lines.push(t))).toBe(2);
    expect(reportError(new Error("boom"), (t) => lines.push(t))).toBe(1);
    expect(lines.join("")).not.toContain("    at ");
    process.env.MSEHOME_BACKTRACE = "full";
    reportError(new Error("boom"), (t) => lines.push(t));
    expect(lines.join("")).toContain("    at ");
    if (previous === undefined) delete process.env.MSEHOME_BACKTRACE;
    else process.env.MSEHOME_BACKTRACE = previous;
  });
});

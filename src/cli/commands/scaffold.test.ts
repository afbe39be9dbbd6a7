// `msehome scaffold` as a user runs it: creates the app, refuses a taken directory or a bad name.
import { describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../../test/support/tempDir.js";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { runCli } from "../../../test/support/cli.js";

const dir = tempDirPerTest("scaffold-cli");

describe("msehome scaffold", () => {
  it("creates <name>/ in the working directory and lists what it wrote", async () => {
    const run = await runCli(["scaffold", "hello"], { cwd: dir() });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Created hello/ with:");
    expect(run.stdout).toContain("mse_src/app.mjs");
    expect((await readdir(path.join(dir(), "hello"))).sort()).toEqual([
      ".dockerignore",
      ".gitignore",
      "Dockerfile",
      "README.md",
      "mse.toml",
      "mse_src",
      "secrets.json",
      "secrets_to_seal.json",
      "tests",
    ]);
  });

  it("prints the result as JSON with --json", async () => {
    const run = await runCli(["--json", "scaffold", "hello"], { cwd: dir() });
    const result = JSON.parse(run.stdout) as { name: string; directory: string; files: string[] };
    expect(result.name).toBe("hello");
    expect(result.directory).toBe(
      path.join(await import("node:fs/promises").then((fs) => fs.realpath(dir())), "hello"),
    );
    expect(result.files).toContain("tests/app.test.mjs");
  });

  it("exits 1 with one sentence when the directory is not empty", async () => {
    await runCli(["scaffold", "hello"], { cwd: dir() });
    const run = await runCli(["scaffold", "hello"], { cwd: dir() });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^error: .*hello is not empty/);
  });

  it.each(["../evil", "a b", ".hidden", "x".repeat(224)])("exits 2 on the invalid name %j", async (name) => {
    const run = await runCli(["scaffold", name], { cwd: dir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: .*invalid for argument 'name'/);
    expect(await readdir(dir())).toEqual([]);
  });
});

// runAppTests: tests_cmd runs through the shell in the tests directory with the TEST_* variables,
// its exit code is reported, requirements go to a temporary copy, and an abort kills it.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runAppTests, TestRequirementsError } from "./appTests.js";

const scratch = mkdtempSync(path.join(tmpdir(), "msehome-app-tests-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function testsDir(): string {
  return mkdtempSync(path.join(scratch, "tests-"));
}

describe("runAppTests", () => {
  it("runs tests_cmd in the tests directory with the app's address and the secret files", async () => {
    const dir = testsDir();
    const output: Buffer[] = [];
    const streams: Record<string, string> = { stdout: "", stderr: "" };
    const result = await runAppTests({
      testsDir: dir,
      command:
        'echo "$TEST_REMOTE_URL|$TEST_SECRET_JSON|$TEST_SEALED_SECRET_JSON" > seen.txt && pwd >> seen.txt && echo to-out && echo to-err >&2',
      requirements: [],
      remoteUrl: "http://127.0.0.1:5999",
      secretsFile: "/keys/secrets.json",
      sealedSecretsFile: "/keys/sealed.json",
      onOutput: (chunk, stream) => {
        output.push(chunk);
        streams[stream] += chunk.toString();
      },
    });
    expect(result).toEqual({
      command: expect.any(String),
      requirements: [],
      ranIn: "tests directory",
      exitCode: 0,
    });
    expect(readFileSync(path.join(dir, "seen.txt"), "utf8")).toBe(
      `http://127.0.0.1:5999|/keys/secrets.json|/keys/sealed.json\n${dir}\n`,
    );
    const text = Buffer.concat(output).toString();
    expect(text).toContain("to-out\n");
    expect(text).toContain("to-err\n");
    expect(streams).toEqual({ stdout: "to-out\n", stderr: "to-err\n" });
  });

  it("runs from a temporary copy when asked, leaving the tests directory untouched", async () => {
    const dir = testsDir();
    await writeFile(path.join(dir, "marker.txt"), "copied\n");
    const output: Buffer[] = [];
    const result = await runAppTests({
      testsDir: dir,
      command: "cat marker.txt && touch written.txt && pwd",
      requirements: [],
      remoteUrl: "http://127.0.0.1:1",
      alwaysCopy: true,
      onOutput: (chunk) => output.push(chunk),
    });
    expect(result).toMatchObject({ ranIn: "temporary copy", exitCode: 0 });
    const [marker, copy] = Buffer.concat(output).toString().trim().split("\n");
    expect(marker).toBe("copied");
    expect(copy).not.toBe(dir);
    expect(existsSync(copy!)).toBe(false);
    expect(existsSync(path.join(dir, "written.txt"))).toBe(false);
  });

  it("clears TEST_* secret variables inherited from the caller when no file is given", async () => {
    const dir = testsDir();
    process.env.TEST_SECRET_JSON = "/stale/secrets.json";
    try {
      await runAppTests({
        testsDir: dir,
        command: 'echo "[${TEST_SECRET_JSON-unset}][${TEST_SEALED_SECRET_JSON-unset}]" > seen.txt',
        requirements: [],
        remoteUrl: "http://127.0.0.1:1",
      });
    } finally {
      delete process.env.TEST_SECRET_JSON;
    }
    expect(readFileSync(path.join(dir, "seen.txt"), "utf8")).toBe("[unset][unset]\n");
  });

  it("reports a failing tests_cmd's exit code", async () => {
    const result = await runAppTests({
      testsDir: testsDir(),
      command: "exit 3",
      requirements: [],
      remoteUrl: "http://127.0.0.1:1",
    });
    expect(result.exitCode).toBe(3);
    expect(result.killedBy).toBeUndefined();
  });

  it("reports the signal that killed tests_cmd, and 128 + its number as exit code", async () => {
    const result = await runAppTests({
      testsDir: testsDir(),
      command: "kill -TERM $$",
      requirements: [],
      remoteUrl: "http://127.0.0.1:1",
    });
    expect(result).toMatchObject({ exitCode: 143, killedBy: "SIGTERM" });
  });

  it("installs requirements into a temporary copy and puts their binaries on the PATH", async () => {
    const dir = testsDir();
    const pkg = path.join(scratch, "tool-pkg");
    await mkdir(path.join(pkg, "bin"), { recursive: true });
    await writeFile(
      path.join(pkg, "package.json"),
      JSON.stringify({
        name: "msehome-tool-fixture",
        version: "1.0.0",
        bin: { "msehome-tool": "bin/tool.js" },
      }),
    );
    await writeFile(path.join(pkg, "bin", "tool.js"), '#!/usr/bin/env node\nconsole.log("tool ran");\n', {
      mode: 0o755,
    });
    await writeFile(path.join(dir, "marker.txt"), "copied\n");
    const output: Buffer[] = [];
    const result = await runAppTests({
      testsDir: dir,
      command: 'msehome-tool && cat marker.txt && pwd && echo "$NODE_PATH"',
      requirements: [`file:${pkg}`],
      remoteUrl: "http://127.0.0.1:1",
      onOutput: (chunk) => output.push(chunk),
    });
    expect(result).toMatchObject({ ranIn: "temporary copy", exitCode: 0, requirements: [`file:${pkg}`] });
    const lines = Buffer.concat(output).toString().trim().split("\n");
    expect(lines.slice(0, 2)).toEqual(["tool ran", "copied"]);
    const copy = lines[2]!;
    expect(copy).not.toBe(dir);
    // Modules resolve from the copy's node_modules for CommonJS tests anywhere.
    expect(lines[3]).toBe(path.join(copy, "node_modules"));
    // The copy is gone afterwards, and the tests directory was never written to.
    expect(existsSync(copy)).toBe(false);
    expect(existsSync(path.join(dir, "node_modules"))).toBe(false);
  }, 60_000);

  it("fails with npm's exit code and the end of its output when a requirement cannot be installed", async () => {
    const failure = await runAppTests({
      testsDir: testsDir(),
      command: "true",
      requirements: [`file:${path.join(scratch, "no-such-package")}`],
      remoteUrl: "http://127.0.0.1:1",
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TestRequirementsError);
    expect((failure as TestRequirementsError).exitCode).not.toBe(0);
    expect((failure as Error).message).toMatch(
      /^npm could not install the tests requirements file:.*no-such-package \(npm exited with code \d+\)$/,
    );
    expect((failure as TestRequirementsError).outputTail).not.toBe("");
  }, 60_000);

  it("kills the whole process group and rejects with the abort reason", async () => {
    const dir = testsDir();
    const controller = new AbortController();
    const started = Date.now();
    const running = runAppTests({
      testsDir: dir,
      command: "sleep 30 & echo $! > child.pid; wait",
      requirements: [],
      remoteUrl: "http://127.0.0.1:1",
      signal: controller.signal,
      onOutput: () => undefined,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    controller.abort(new Error("stop now"));
    await expect(running).rejects.toThrow("stop now");
    expect(Date.now() - started).toBeLessThan(10_000);
    const pid = Number(readFileSync(path.join(dir, "child.pid"), "utf8"));
    // The grandchild (sleep) went with the group: gone, or a zombie waiting to be reaped.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const state = existsSync(`/proc/${pid}/stat`)
      ? readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "")[0]
      : "gone";
    expect(["gone", "Z"]).toContain(state);
  });

  it("names a test command that cannot start because its directory is gone", async () => {
    await expect(
      runAppTests({
        testsDir: path.join(scratch, "gone"),
        command: "true",
        requirements: [],
        remoteUrl: "http://127.0.0.1:1",
      }),
    ).rejects.toThrow();
  });
});

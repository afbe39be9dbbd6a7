// `msehome spawn`'s new flags as a user mistypes them: one sentence, exit 2, nothing written, before
// any engine or platform is asked anything.
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../test/support/cli.js";
import { tempDirPerTest } from "../../../test/support/tempDir.js";

const dir = tempDirPerTest("spawn-cli");

function spawnWith(...extra: string[]): string[] {
  return [
    "spawn",
    "myapp",
    "--host",
    "myapp.example.com",
    "--port",
    "7777",
    "--size",
    "4096",
    "--package",
    path.join(dir(), "package_myapp_1.tar"),
    "--output",
    path.join(dir(), "out"),
    ...extra,
  ];
}

describe("msehome spawn flags", () => {
  it.each([
    [
      ["--restart", "sometimes"],
      /^error: option '--restart <policy>' argument 'sometimes' is invalid\. invalid restart policy "sometimes": expected no, on-failure\[:N\] \(N a whole number\), unless-stopped or always\.$/,
    ],
    [["--restart", "always:2"], /only on-failure takes a maximum retry count\.$/],
    [
      ["--bind", "localhost"],
      /^error: invalid --bind "localhost": it is not an IPv4 or IPv6 address \(e\.g\. 127\.0\.0\.1, 0\.0\.0\.0, ::1\)\.$/,
    ],
    [["--san", "bad_name"], /^error: invalid --san "bad_name": it is neither an IP address nor a DNS name/],
    [["--san", "10.0.0.7", "--san", "10.0.0.7"], /^error: invalid --san: it names "10\.0\.0\.7" twice\.$/],
  ])("refuses %j with one sentence and exit code 2", async (extra, message) => {
    const run = await runCli(spawnWith(...extra), { env: { DOCKER_HOST: "tcp://127.0.0.1:1" } });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stdout).toBe("");
    // Progress lines may come first; the error is one sentence, the last line.
    const lines = run.stderr.trim().split("\n");
    expect(lines.filter((line) => line.startsWith("error:"))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(message);
    expect(existsSync(path.join(dir(), "out"))).toBe(false);
  });
});

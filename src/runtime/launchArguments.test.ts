import { describe, expect, it } from "vitest";
import { launchArgv, measuredArguments, parseLaunchArguments } from "./launchArguments.js";

const ID = "0a7d1f04-5a0e-4e8a-9c3e-2b1f6f1f7c11";
const base = [
  "--size",
  "4096M",
  "--san",
  "example.com",
  "--id",
  ID,
  "--application",
  "app.mjs:app",
  "--expiration",
  "1900000000",
];

function withFlag(name: string, value: string): string[] {
  const argv = [...base];
  argv[argv.indexOf(name) + 1] = value;
  return argv;
}

describe("launch arguments", () => {
  it("parses the spawn arguments and the flags", () => {
    const args = parseLaunchArguments([...base, "--simulation", "--dry-run"]);
    expect(args).toMatchObject({
      size: "4096M",
      san: "example.com",
      id: ID,
      application: "app.mjs:app",
      applicationSpec: { module: "app.mjs", exportName: "app" },
      expiration: 1900000000,
      simulation: true,
      dryRun: true,
      debug: false,
    });
    expect(measuredArguments(args)).toEqual({
      size: "4096M",
      san: "example.com",
      id: ID,
      application: "app.mjs:app",
      expiration: 1900000000,
    });
  });

  it("reproduces itself as an argv without --dry-run", () => {
    const args = parseLaunchArguments([...base, "--debug", "--dry-run"]);
    expect(parseLaunchArguments(launchArgv(args))).toEqual({ ...args, dryRun: false });
  });

  it("accepts IP addresses as SAN and a default export", () => {
    expect(parseLaunchArguments(withFlag("--san", "10.0.0.7")).san).toBe("10.0.0.7");
    expect(parseLaunchArguments(withFlag("--application", "server.js")).applicationSpec.exportName).toBe(
      "default",
    );
  });

  it.each([
    [withFlag("--size", "3000M"), /--size must be a power of two/],
    [withFlag("--size", "4G"), /--size must be a power of two/],
    [withFlag("--san", "bad host!"), /--san must be a DNS name or an IP address/],
    [withFlag("--id", "not-a-uuid"), /--id must be a UUID/],
    [withFlag("--application", "../x.mjs:app"), /--application: invalid application/],
    [withFlag("--expiration", "soon"), /--expiration must be a unix time/],
    [base.slice(2), /--size is required/],
    [[...base, "--port", "1"], /Unknown option '--port'/],
  ])("refuses %j with one sentence and exit code 2", (argv, message) => {
    try {
      parseLaunchArguments(argv);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(message);
      expect((error as { exitCode: number }).exitCode).toBe(2);
    }
  });
});

// The pieces of verify --package that need no engine: the launch arguments rebuilt from the
// evidence, and the dry run's output read strictly.
import { describe, expect, it } from "vitest";
import { formatLaunchArguments } from "../model/launchArguments.js";
import { launchArgumentsOf, parseDryRunMeasurement } from "./packageMeasurement.js";

const HEX = "ab".repeat(32);
const spawnArgs = {
  host: "app.example.com",
  sans: [] as string[],
  expirationDate: 1_900_000_000,
  size: 4096,
  appId: "0f3d9c1e-4a4b-4d55-9a43-0d8a4b2f6a10",
  application: "app.mjs:app",
};

describe("launchArgumentsOf", () => {
  const noSubprocesses = { allow_subprocesses: false };

  it("gives msehome-run exactly the spawn arguments, with --dry-run, in the evidence's mode", () => {
    expect(formatLaunchArguments(launchArgumentsOf(spawnArgs, "simulation", noSubprocesses))).toEqual([
      "--size",
      "4096M",
      "--san",
      "app.example.com",
      "--id",
      "0f3d9c1e-4a4b-4d55-9a43-0d8a4b2f6a10",
      "--application",
      "app.mjs:app",
      "--expiration",
      "1900000000",
      "--simulation",
      "--dry-run",
    ]);
    expect(formatLaunchArguments(launchArgumentsOf(spawnArgs, "sgx", noSubprocesses))).not.toContain(
      "--simulation",
    );
  });

  it("gives the evidence's further names as --san after the host, in their order", () => {
    const argv = formatLaunchArguments(
      launchArgumentsOf({ ...spawnArgs, sans: ["10.0.0.7", "app.internal"] }, "sgx", noSubprocesses),
    );
    expect(argv.slice(2, 8)).toEqual([
      "--san",
      "app.example.com",
      "--san",
      "10.0.0.7",
      "--san",
      "app.internal",
    ]);
  });

  it("asks for subprocesses exactly when the package's mse.toml allows them", () => {
    expect(
      formatLaunchArguments(launchArgumentsOf(spawnArgs, "sgx", { allow_subprocesses: true })),
    ).toContain("--subprocesses");
  });
});

describe("parseDryRunMeasurement", () => {
  it("reads the measurement msehome-run prints", () => {
    expect(parseDryRunMeasurement(`Measurement:\n    ${HEX}\n`)).toBe(HEX);
    expect(parseDryRunMeasurement(`unpacking...\nMeasurement:\n    ${HEX.toUpperCase()}\n`)).toBe(HEX);
  });

  it("refuses output without a whole measurement, quoting its end", () => {
    expect(() => parseDryRunMeasurement("")).toThrow(
      'the package\'s image printed no measurement with --dry-run (expected "Measurement:" and 64 hex digits, got nothing)',
    );
    expect(() => parseDryRunMeasurement(`Measurement:\n    ${HEX.slice(2)}\n`)).toThrow(
      /got "Measurement: \/ /,
    );
    expect(() => parseDryRunMeasurement(`Measurement:\n    ${HEX}\nmore\n`)).toThrow(/no measurement/);
  });
});

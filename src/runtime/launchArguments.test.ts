import { describe, expect, it } from "vitest";
import { parseLaunchArguments } from "../model/launchArguments.js";
import { launchArgv, measuredArguments } from "./launchArguments.js";

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

describe("runtime launch arguments", () => {
  it("bind the spawn arguments in the measurement, the size as written", () => {
    expect(measuredArguments(parseLaunchArguments([...base, "--simulation", "--dry-run"]))).toEqual({
      size: "4096M",
      san: "example.com",
      extraSans: [],
      id: ID,
      application: "app.mjs:app",
      expiration: 1900000000,
      subprocesses: false,
    });
    expect(measuredArguments(parseLaunchArguments([...base, "--subprocesses"])).subprocesses).toBe(true);
    expect(measuredArguments(parseLaunchArguments([...base, "--san", "10.0.0.7"])).extraSans).toEqual([
      "10.0.0.7",
    ]);
  });

  it("reproduce themselves as the enclave's argv without --dry-run", () => {
    const args = parseLaunchArguments([...base, "--debug", "--dry-run"]);
    expect(launchArgv(args)).toEqual([...base, "--debug"]);
    expect(parseLaunchArguments(launchArgv(args))).toEqual({ ...args, dryRun: false });
  });
});

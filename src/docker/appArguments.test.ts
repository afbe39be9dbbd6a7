// The entrypoint arguments of DESIGN §4, written and read back exactly.
import { describe, expect, it } from "vitest";
import {
  AppArgumentsError,
  entrypointArguments,
  parseEntrypointArguments,
  type AppLaunchArguments,
} from "./appArguments.js";

const launch: AppLaunchArguments = {
  sizeMb: 4096,
  san: "app.example.com",
  appId: "5f1f7a1e-7c2b-4a38-9a52-3b0c5d1e2f60",
  application: "app.mjs:app",
  expiration: 1_800_000_000,
  simulation: false,
  dryRun: false,
  debug: false,
};

describe("entrypoint arguments", () => {
  it("are the flags msehome-run expects, in order", () => {
    expect(entrypointArguments(launch)).toEqual([
      "--size",
      "4096M",
      "--san",
      "app.example.com",
      "--id",
      "5f1f7a1e-7c2b-4a38-9a52-3b0c5d1e2f60",
      "--application",
      "app.mjs:app",
      "--expiration",
      "1800000000",
    ]);
  });

  it("append the optional switches only when set", () => {
    const args = entrypointArguments({ ...launch, simulation: true, dryRun: true, debug: true });
    expect(args.slice(-3)).toEqual(["--simulation", "--dry-run", "--debug"]);
  });

  it("read back to the same values", () => {
    for (const variant of [
      launch,
      { ...launch, simulation: true, debug: true },
      { ...launch, dryRun: true },
    ]) {
      expect(parseEntrypointArguments(entrypointArguments(variant))).toEqual(variant);
    }
  });

  it("refuse a command that lacks a flag, naming it", () => {
    const args = entrypointArguments(launch).filter(
      (_, i, all) => all[i] !== "--id" && all[i - 1] !== "--id",
    );
    expect(() => parseEntrypointArguments(args)).toThrow(
      new AppArgumentsError("the container's command lacks --id"),
    );
  });

  it("refuse a size without its M suffix and an expiration that is not a number", () => {
    const args = entrypointArguments(launch);
    args[1] = "4096";
    expect(() => parseEntrypointArguments(args)).toThrow('--size "4096" is not <MB>M');
    const other = entrypointArguments(launch);
    other[9] = "tomorrow";
    expect(() => parseEntrypointArguments(other)).toThrow('--expiration "tomorrow" is not a Unix time');
  });

  it("refuse unknown flags", () => {
    expect(() => parseEntrypointArguments([...entrypointArguments(launch), "--evil"])).toThrow(
      AppArgumentsError,
    );
  });
});

// The launch arguments: written in a fixed order, read back exactly, and refused with
// one sentence (and the usage exit code) for every mistake.
import { describe, expect, it } from "vitest";
import { parseApplicationSpec } from "./mseToml.js";
import {
  enclaveSizeText,
  formatLaunchArguments,
  LaunchArgumentError,
  launchArgumentsFromSpawnArgs,
  parseLaunchArguments,
  spawnArgsOf,
  type LaunchArguments,
} from "./launchArguments.js";

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

const launch: LaunchArguments = {
  sizeMb: 4096,
  san: "example.com",
  extraSans: [],
  appId: ID,
  application: "app.mjs:app",
  expiration: 1_900_000_000,
  subprocesses: false,
  simulation: false,
  dryRun: false,
  debug: false,
};

function withFlag(name: string, value: string): string[] {
  const argv = [...base];
  argv[argv.indexOf(name) + 1] = value;
  return argv;
}

function without(name: string): string[] {
  return base.filter((_, i, all) => all[i] !== name && all[i - 1] !== name);
}

describe("formatLaunchArguments", () => {
  it("writes the flags msehome-run expects, in order", () => {
    expect(formatLaunchArguments(launch)).toEqual(base);
    expect(enclaveSizeText(4096)).toBe("4096M");
  });

  it("appends the optional switches only when set", () => {
    const args = formatLaunchArguments({
      ...launch,
      subprocesses: true,
      simulation: true,
      dryRun: true,
      debug: true,
    });
    expect(args.slice(-4)).toEqual(["--subprocesses", "--simulation", "--dry-run", "--debug"]);
  });
});

describe("parseLaunchArguments", () => {
  it("parses the spawn arguments and the switches", () => {
    expect(parseLaunchArguments([...base, "--simulation", "--dry-run"])).toEqual({
      ...launch,
      simulation: true,
      dryRun: true,
    });
  });

  it("reads formatted arguments back to the same values", () => {
    for (const variant of [
      launch,
      { ...launch, simulation: true, debug: true },
      { ...launch, subprocesses: true },
      { ...launch, dryRun: true },
      { ...launch, sizeMb: 1, san: "10.0.0.7" },
      { ...launch, extraSans: ["10.0.0.7", "fd00::7", "app.internal"] },
    ]) {
      expect(parseLaunchArguments(formatLaunchArguments(variant))).toEqual(variant);
    }
  });

  it("accepts IP addresses as SAN and a default export", () => {
    expect(parseLaunchArguments(withFlag("--san", "10.0.0.7")).san).toBe("10.0.0.7");
    const { application } = parseLaunchArguments(withFlag("--application", "server.js"));
    expect(parseApplicationSpec(application).exportName).toBe("default");
  });

  it("reads the first --san as the host and the others as further names, in order", () => {
    const argv = [...base, "--san", "10.0.0.7", "--san", "app.internal"];
    expect(parseLaunchArguments(argv)).toMatchObject({
      san: "example.com",
      extraSans: ["10.0.0.7", "app.internal"],
    });
    expect(formatLaunchArguments(parseLaunchArguments(argv)).slice(2, 8)).toEqual([
      "--san",
      "example.com",
      "--san",
      "10.0.0.7",
      "--san",
      "app.internal",
    ]);
  });

  it.each([
    [[...base, "--san", "Example.COM"], /--san names "Example.COM" twice/],
    [[...base, "--san", "bad_name"], /--san must be a DNS name or an IP address, got "bad_name"/],
    [without("--san"), /^--san is required$/],
    [withFlag("--size", "3000M"), /--size must be a power of two/],
    [withFlag("--size", "4G"), /--size must be a power of two/],
    [
      withFlag("--size", "4096"),
      /--size must be a power of two in MiB followed by "M" \(e\.g\. 4096M\), got "4096"/,
    ],
    [withFlag("--san", "bad host!"), /--san must be a DNS name or an IP address/],
    [withFlag("--id", "not-a-uuid"), /--id must be a UUID/],
    [withFlag("--application", "../x.mjs:app"), /--application: invalid application/],
    [withFlag("--expiration", "soon"), /--expiration must be a unix time/],
    [withFlag("--expiration", "tomorrow"), /--expiration must be a unix time in seconds, got "tomorrow"/],
    [base.slice(2), /^--size is required$/],
    [without("--id"), /^--id is required$/],
    [[...base, "--port", "1"], /Unknown option '--port'/],
    [[...base, "--evil"], /Unknown option '--evil'/],
  ])("refuses %j with one sentence and exit code 2", (argv, message) => {
    try {
      parseLaunchArguments(argv);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(LaunchArgumentError);
      expect((error as Error).message).toMatch(message);
      expect((error as LaunchArgumentError).exitCode).toBe(2);
    }
  });
});

describe("spawn arguments", () => {
  it("are what evidence records of the launch arguments, and give them back in the evidence's mode", () => {
    const spawnArgs = spawnArgsOf({ ...launch, simulation: true, debug: true });
    expect(spawnArgs).toEqual({
      host: "example.com",
      sans: [],
      expirationDate: 1_900_000_000,
      size: 4096,
      appId: ID,
      application: "app.mjs:app",
    });
    const app = { subprocesses: false };
    expect(launchArgumentsFromSpawnArgs(spawnArgs, "simulation", app)).toEqual({
      ...launch,
      simulation: true,
    });
    expect(launchArgumentsFromSpawnArgs(spawnArgs, "sgx", app)).toEqual(launch);
    expect(launchArgumentsFromSpawnArgs(spawnArgs, "sgx", { subprocesses: true }).subprocesses).toBe(true);
    const named = { ...launch, extraSans: ["10.0.0.7"] };
    expect(spawnArgsOf(named).sans).toEqual(["10.0.0.7"]);
    expect(launchArgumentsFromSpawnArgs(spawnArgsOf(named), "sgx", app)).toEqual(named);
  });
});

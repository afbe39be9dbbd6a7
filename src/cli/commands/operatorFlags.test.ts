// The operator's flags as the user types them: bad values are usage errors (exit 2) naming the flag.
import { describe, expect, it } from "vitest";
import { runCli } from "../../../test/support/cli.js";
import { parseDays, parseMinutes, parsePort } from "./operatorFlags.js";

describe("operator flag parsers", () => {
  it("read ports, minutes and days", () => {
    expect(parsePort("7777")).toBe(7777);
    expect(parseMinutes("0.5")).toBe(0.5);
    expect(parseMinutes("10")).toBe(10);
    expect(parseDays("365")).toBe(365);
  });

  it.each([
    [() => parsePort("0"), /the port must be between 1 and 65535/],
    [() => parsePort("80a"), /the port must be a whole number/],
    [() => parseMinutes("0"), /more than 0 and at most 1440/],
    [() => parseMinutes("-1"), /more than 0 and at most 1440/],
    [() => parseMinutes("1e3"), /a number of minutes/],
    [() => parseDays("0"), /the number of days must be between 1 and 36500/],
  ])("refuse a bad value (%#)", (parse, message) => {
    expect(parse).toThrow(message);
  });
});

describe("operator commands' usage errors", () => {
  const spawn = [
    "spawn",
    "app",
    "--host",
    "localhost",
    "--port",
    "7777",
    "--size",
    "2048",
    "--package",
    "p.tar",
    "--output",
    "out",
  ];

  it.each([
    [
      ["spawn", "app", "--port", "7777", "--size", "2048", "--package", "p.tar", "--output", "out"],
      /required option '--host <host>' not specified/,
    ],
    [[...spawn, "--platform", "dir"], /--platform names a simulated platform: it needs --simulation/],
    [spawn.map((arg) => (arg === "7777" ? "port" : arg)), /the port must be a whole number/],
    [[...spawn, "--timeout", "0"], /the timeout must be a number of minutes/],
    [["run"], /missing required argument 'name'/],
    [["test", "app", "--config", "mse.toml"], /required option '--test <dir>' not specified/],
  ])("%j exits 2 with one line", async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });
});

import { describe, expect, it } from "vitest";
import { OperatorInputError } from "./errors.js";
import { matchesListFilter, parseListFilters } from "./listFilter.js";

describe("list filters", () => {
  it("ORs the values of one key and ANDs the keys, as docker ps does", () => {
    const filter = parseListFilters(["state=running", "state=waiting-for-secrets", "mode=simulation"]);
    expect(matchesListFilter({ state: "running", mode: "simulation" }, filter)).toBe(true);
    expect(matchesListFilter({ state: "waiting for secrets", mode: "simulation" }, filter)).toBe(true);
    expect(matchesListFilter({ state: "stopped", mode: "simulation" }, filter)).toBe(false);
    expect(matchesListFilter({ state: "running", mode: "sgx" }, filter)).toBe(false);
    expect(matchesListFilter({ state: "error", mode: "sgx" }, parseListFilters([]))).toBe(true);
  });

  it("reads a state with hyphens, underscores or spaces", () => {
    for (const text of [
      "state=waiting for secrets",
      "state=waiting_for_secrets",
      "state=Waiting-For-Secrets",
    ]) {
      expect(parseListFilters([text]).state).toEqual(new Set(["waiting for secrets"]));
    }
  });

  it.each([
    ["name=x", /invalid --filter "name=x": unknown key "name" \(the keys are state and mode\)/],
    ["state", /invalid --filter "state": expected key=value/],
    ["=running", /expected key=value/],
    ["state=asleep", /the state must be one of initializing, waiting-for-secrets, running, error, stopped/],
    ["mode=tdx", /the mode must be sgx or simulation/],
  ])("refuses %j with one sentence and exit code 2", (text, message) => {
    try {
      parseListFilters([text]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(OperatorInputError);
      expect((error as OperatorInputError).message).toMatch(message);
      expect((error as OperatorInputError).exitCode).toBe(2);
    }
  });
});

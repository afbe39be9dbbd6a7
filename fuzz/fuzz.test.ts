// The seeded fuzz run of the test suite: every target, a fixed seed, ten thousand inputs and more
// in all. Any input escaping with another error than the target's typed ones, breaking an
// invariant or exceeding its time bound fails the test with the input (`npm run fuzz` runs longer).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDirPerTest } from "../test/support/tempDir.js";
import { runCampaign } from "./campaign.js";
import { loadSeeds, type Seeds } from "./seeds.js";
import { FUZZ_TARGETS } from "./targets/index.js";

const SEED = 20_240_601;
let seeds: Seeds;
const workDir = tempDirPerTest("fuzz");
let total = 0;

beforeAll(async () => {
  seeds = await loadSeeds();
});

afterAll(() => {
  // The suite's promise: at least ten thousand inputs across the targets.
  expect(total).toBeGreaterThanOrEqual(10_000);
});

describe("seeded fuzzing", () => {
  it.each(FUZZ_TARGETS.map((target) => [target.name, target] as const))(
    "%s: only typed errors, invariants kept, every input in time",
    async (_name, target) => {
      const result = await runCampaign(target, {
        seeds,
        seed: SEED,
        runs: target.testRuns,
        workDir: workDir(),
      });
      total += result.inputs;
      expect(result.inputs).toBe(target.testRuns);
      expect(
        [...result.distinct.values()].map(({ finding: f }) => ({
          kind: f.kind,
          what: f.what,
          where: f.where,
          input:
            typeof f.input === "string"
              ? f.input.slice(0, 2000)
              : Buffer.from(f.input).toString("base64").slice(0, 2000),
        })),
      ).toEqual([]);
    },
    120_000,
  );
});

// The seeded fuzz run of the test suite: every target, a fixed seed, ten thousand inputs and more
// in all. Any input escaping with another error than the target's typed ones, breaking an
// invariant or exceeding ten times its time bound (a hang, not a slow machine) fails the test with
// the input (`npm run fuzz` runs longer, with the bounds themselves).
import { beforeAll, describe, expect, it } from "vitest";
import { tempDirPerTest } from "../test/support/tempDir.js";
import { runCampaign } from "./campaign.js";
import { loadSeeds, type Seeds } from "./seeds.js";
import { FUZZ_TARGETS } from "./targets/index.js";

const SEED = 20_240_601;
let seeds: Seeds;
const workDir = tempDirPerTest("fuzz");

beforeAll(async () => {
  seeds = await loadSeeds();
});

describe("seeded fuzzing", () => {
  it("runs at least ten thousand inputs in all, every target included", () => {
    expect(FUZZ_TARGETS.reduce((sum, target) => sum + target.testRuns, 0)).toBeGreaterThanOrEqual(10_000);
    expect(FUZZ_TARGETS.every((target) => target.testRuns >= 100)).toBe(true);
  });

  it.each(FUZZ_TARGETS.map((target) => [target.name, target] as const))(
    "%s: only typed errors, invariants kept, every input in time",
    async (_name, target) => {
      const result = await runCampaign(target, {
        seeds,
        seed: SEED,
        runs: target.testRuns,
        workDir: workDir(),
      });
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

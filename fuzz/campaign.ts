// One target's run: inputs generated from a seed in batches (so a run of any length is
// reproducible and needs no more memory than a batch), each checked by the property; findings are
// collected, the run goes on. The same engine serves `npm run fuzz` and the seeded test.
import fc from "fast-check";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Seeds } from "./seeds.js";
import { checkInput, type Finding, type FuzzTarget } from "./target.js";

export interface CampaignOptions {
  seeds: Seeds;
  /** fast-check seed of the first batch; batch n uses seed + n. */
  seed: number;
  /** Inputs to run. */
  runs: number;
  /** A directory the target may use (emptied before each input). */
  workDir: string;
  batchSize?: number;
  /** Multiplies every time bound (the test suite shares its machine, and must not be timing-sensitive). */
  timeScale?: number;
  /** Called before each input with its batch seed and index: how a hang is located from outside. */
  onInput?(batchSeed: number, index: number): void;
}

export interface CampaignResult {
  target: string;
  inputs: number;
  /** Distinct findings, by kind, error class, message (numbers and quoted values aside) and place; each with how often it came. */
  distinct: Map<string, { finding: Finding; count: number }>;
  ms: number;
}

export function findingKey(finding: Finding): string {
  const what = finding.what.replace(/"[^"]*"/g, '"…"').replace(/\d+/g, "N");
  return `${finding.kind} ${what} @ ${finding.where.split(" < ")[0] ?? ""}`;
}

export async function runCampaign(target: FuzzTarget, options: CampaignOptions): Promise<CampaignResult> {
  const batchSize = options.batchSize ?? 200;
  const arbitrary = target.input(options.seeds);
  const distinct = new Map<string, { finding: Finding; count: number }>();
  const started = performance.now();
  const workDir = path.join(options.workDir, target.name);
  await mkdir(workDir, { recursive: true });
  let inputs = 0;
  try {
    for (let batch = 0; inputs < options.runs; batch++) {
      const batchSeed = options.seed + batch;
      const values = fc.sample(arbitrary, {
        seed: batchSeed,
        numRuns: Math.min(batchSize, options.runs - inputs),
      });
      for (let index = 0; index < values.length; index++) {
        options.onInput?.(batchSeed, index);
        const finding = await checkInput(
          target,
          values[index],
          { workDir, seeds: options.seeds },
          options.timeScale,
        );
        inputs++;
        if (finding) {
          const key = findingKey(finding);
          const seen = distinct.get(key);
          if (seen) seen.count++;
          else distinct.set(key, { finding, count: 1 });
        }
      }
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return { target: target.name, inputs, distinct, ms: performance.now() - started };
}

// A worker thread running one target's campaign for `npm run fuzz`. It writes the batch seed and
// index of the input it is on into shared memory before each input, so the main thread can name
// the input of a hang or of a heap exhaustion after terminating it.
import { parentPort, workerData } from "node:worker_threads";
import { runCampaign } from "./campaign.js";
import { loadSeeds } from "./seeds.js";
import type { Finding } from "./target.js";
import { FUZZ_TARGETS } from "./targets/index.js";

export interface WorkerJob {
  target: string;
  seed: number;
  runs: number;
  workDir: string;
  /** [batch seed, index within the batch, inputs done]. */
  progress: SharedArrayBuffer;
}

export interface WorkerReport {
  target: string;
  inputs: number;
  ms: number;
  findings: Array<{ key: string; count: number; finding: Finding }>;
}

const job = workerData as WorkerJob;
const progress = new Int32Array(job.progress);
const target = FUZZ_TARGETS.find((t) => t.name === job.target)!;
const result = await runCampaign(target, {
  seeds: await loadSeeds(),
  seed: job.seed,
  runs: job.runs,
  workDir: job.workDir,
  onInput(batchSeed, index) {
    Atomics.store(progress, 0, batchSeed);
    Atomics.store(progress, 1, index);
    Atomics.add(progress, 2, 1);
  },
});
const report: WorkerReport = {
  target: result.target,
  inputs: result.inputs,
  ms: result.ms,
  findings: [...result.distinct].map(([key, { finding, count }]) => ({ key, count, finding })),
};
parentPort!.postMessage(report);

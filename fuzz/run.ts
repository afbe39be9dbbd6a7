// `npm run fuzz`: every target (or those named) in worker threads, a budget of inputs shared by
// cost, a hang watchdog and a heap limit per worker. Prints inputs, findings and wall time per
// target; writes each distinct finding with its input under the findings directory; exits 1 when
// there is any.
//
//   npm run fuzz -- [--inputs N] [--seed S] [--jobs J] [--targets a,b] [--findings DIR]
//                   [--work-dir DIR] [--hang-seconds S] [--heap-mb M]
import fc from "fast-check";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { loadSeeds } from "./seeds.js";
import type { Finding } from "./target.js";
import { FUZZ_TARGETS } from "./targets/index.js";
import type { WorkerJob, WorkerReport } from "./worker.js";

const { values: flags } = parseArgs({
  options: {
    inputs: { type: "string", default: "1000000" },
    seed: { type: "string", default: String(Date.now() % 1_000_000_000) },
    jobs: { type: "string", default: "2" },
    targets: { type: "string" },
    findings: { type: "string", default: path.join(tmpdir(), "msehome-fuzz-findings") },
    // The tar and file targets write for every input: memory-backed when the machine has it.
    "work-dir": { type: "string", default: existsSync("/dev/shm") ? "/dev/shm" : tmpdir() },
    "hang-seconds": { type: "string", default: "30" },
    "heap-mb": { type: "string", default: "1024" },
  },
});
const totalInputs = Number(flags.inputs);
const baseSeed = Number(flags.seed);
const jobs = Math.max(1, Number(flags.jobs));
const hangMs = Number(flags["hang-seconds"]) * 1000;
const wanted = flags.targets?.split(",");
const targets = FUZZ_TARGETS.filter((t) => !wanted || wanted.includes(t.name));
if (targets.length === 0)
  throw new Error(`no target named ${flags.targets}; targets: ${FUZZ_TARGETS.map((t) => t.name).join(", ")}`);

// The budget is shared in proportion to the test runs, which reflect each target's cost.
const weight = targets.reduce((sum, t) => sum + t.testRuns, 0);
const budget = new Map(targets.map((t) => [t.name, Math.ceil((totalInputs * t.testRuns) / weight)]));

interface TargetOutcome {
  target: string;
  inputs: number;
  ms: number;
  findings: Array<{ key: string; count: number; finding: Finding }>;
}

const workRoot = await mkdtemp(path.join(flags["work-dir"], "msehome-fuzz-"));
const bootstrap = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL("./worker.ts", import.meta.url).href)}); });`;

/** Runs `runs` inputs of one target from `seed`; a hang or heap exhaustion ends the worker and becomes a finding. */
function runWorker(
  target: string,
  seed: number,
  runs: number,
): Promise<TargetOutcome & { stoppedAt?: number }> {
  const progress = new SharedArrayBuffer(12);
  const view = new Int32Array(progress);
  const job: WorkerJob = { target, seed, runs, workDir: workRoot, progress };
  const started = performance.now();
  return new Promise((resolve) => {
    const worker = new Worker(bootstrap, {
      eval: true,
      workerData: job,
      resourceLimits: { maxOldGenerationSizeMb: Number(flags["heap-mb"]) },
    });
    let settled = false;
    let lastCount = -1;
    let lastChange = performance.now();
    const stop = (kind: "hang" | "memory", what: string): void => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      const batchSeed = Atomics.load(view, 0);
      const index = Atomics.load(view, 1);
      void worker.terminate();
      const t = FUZZ_TARGETS.find((x) => x.name === target)!;
      void loadSeeds().then((seeds) => {
        const input = fc.sample(t.input(seeds), { seed: batchSeed, numRuns: index + 1 })[index];
        const finding: Finding = {
          target,
          kind: kind as Finding["kind"],
          what,
          where: `batch seed ${batchSeed}, input ${index}`,
          input: t.show(input),
        };
        resolve({
          target,
          inputs: Atomics.load(view, 2),
          ms: performance.now() - started,
          findings: [{ key: `${kind} ${target}`, count: 1, finding }],
          stoppedAt: batchSeed,
        });
      });
    };
    const watchdog = setInterval(() => {
      const count = Atomics.load(view, 2);
      // Armed from the first input on: loading the seeds (an RSA key, a platform) is no input's fault.
      if (count === 0) return;
      if (count !== lastCount) {
        lastCount = count;
        lastChange = performance.now();
      } else if (performance.now() - lastChange > hangMs) {
        stop("hang", `no progress for ${hangMs / 1000} s on one input`);
      }
    }, 1000);
    worker.on("message", (report: WorkerReport) => {
      settled = true;
      clearInterval(watchdog);
      resolve({ ...report });
    });
    worker.on("error", (error: Error & { code?: string }) => {
      if (error.code === "ERR_WORKER_OUT_OF_MEMORY")
        stop("memory", "the worker's heap limit was reached on one input");
      else if (!settled) {
        settled = true;
        clearInterval(watchdog);
        resolve({
          target,
          inputs: Atomics.load(view, 2),
          ms: performance.now() - started,
          findings: [
            {
              key: `crash ${error.name}`,
              count: 1,
              finding: {
                target,
                kind: "escaped",
                what: `the worker failed: ${error.message}`,
                where: error.stack?.split("\n")[1]?.trim() ?? "",
                input: "",
              },
            },
          ],
        });
      }
    });
  });
}

/** A target's whole budget; after a hang the run resumes with the batch after the one that hung. */
async function fuzzTarget(target: string): Promise<TargetOutcome> {
  const outcome: TargetOutcome = { target, inputs: 0, ms: 0, findings: [] };
  let seed = baseSeed;
  while (outcome.inputs < budget.get(target)!) {
    const part = await runWorker(target, seed, budget.get(target)! - outcome.inputs);
    outcome.inputs += part.inputs;
    outcome.ms += part.ms;
    outcome.findings.push(...part.findings);
    if (part.stoppedAt === undefined) break;
    seed = part.stoppedAt + 1_000_000; // a batch seed range the finished part never used
  }
  process.stderr.write(
    `  ${target}: ${outcome.inputs} inputs, ${outcome.findings.length} distinct findings, ${(outcome.ms / 1000).toFixed(1)} s\n`,
  );
  return outcome;
}

const wallStart = performance.now();
process.stderr.write(
  `fuzzing ${targets.length} targets, ${totalInputs} inputs in all, seed ${baseSeed}, ${jobs} workers\n`,
);
const queue = targets.map((t) => t.name);
const outcomes: TargetOutcome[] = [];
await Promise.all(
  Array.from({ length: jobs }, async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift())
      outcomes.push(await fuzzTarget(name));
  }),
);
await rm(workRoot, { recursive: true, force: true });
const wallSeconds = (performance.now() - wallStart) / 1000;

outcomes.sort(
  (a, b) => targets.findIndex((t) => t.name === a.target) - targets.findIndex((t) => t.name === b.target),
);
const rows = outcomes.map((o) => [
  o.target,
  String(o.inputs),
  String(o.findings.length),
  (o.ms / 1000).toFixed(1),
]);
const total = outcomes.reduce((sum, o) => sum + o.inputs, 0);
const header = ["target", "inputs", "findings", "seconds"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
console.log(line(header));
for (const row of rows) console.log(line(row));
console.log(`total: ${total} inputs in ${wallSeconds.toFixed(0)} s wall time (seed ${baseSeed})`);

const findings = outcomes.flatMap((o) => o.findings);
if (findings.length > 0) {
  await mkdir(flags.findings, { recursive: true });
  for (const [i, { key, count, finding }] of findings.entries()) {
    const file = path.join(flags.findings, `${finding.target}-${i + 1}.json`);
    const input =
      typeof finding.input === "string"
        ? { text: finding.input }
        : { base64: Buffer.from(finding.input).toString("base64") };
    await writeFile(file, `${JSON.stringify({ ...finding, key, count, input }, null, 2)}\n`);
    console.log(
      `finding (${count}x) ${finding.target} ${finding.kind}: ${finding.what}\n    at ${finding.where}\n    input: ${file}`,
    );
  }
  process.exitCode = 1;
}

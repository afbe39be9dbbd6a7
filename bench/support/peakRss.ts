// Runs a Node process (usually the built CLI) with a probe that records its peak RSS when it exits:
// how the memory benchmarks check that large inputs only ever stream through msehome.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const MiB = 1024 * 1024;

/** The built CLI the benchmarks measure. */
export const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

/** Loaded before the measured code: writes the process's peak RSS (KiB) to $BENCH_RSS_FILE at exit. */
const RSS_PROBE =
  'data:text/javascript,import{writeFileSync}from"node:fs";process.on("exit",()=>writeFileSync(process.env.BENCH_RSS_FILE,String(process.resourceUsage().maxRSS)))';

export interface MeasuredRun {
  code: number;
  peakMiB: number;
  seconds: number;
  stdout: string;
  /** Empty unless `captureStderr`. */
  stderr: string;
}

/**
 * Runs `node <args>` and measures it. Its stderr goes to ours as it comes (progress stays visible)
 * unless `captureStderr`.
 */
export async function runMeasured(
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    captureStderr?: boolean;
    /** Sees each stderr line with the seconds since the start (stderr still goes to ours). */
    onStderrLine?: (line: string, seconds: number) => void;
  } = {},
): Promise<MeasuredRun> {
  const scratch = await mkdtemp(path.join(tmpdir(), "msehome-rss-"));
  const report = path.join(scratch, "rss");
  try {
    const started = Date.now();
    const child = spawn(process.execPath, [`--import=${RSS_PROBE}`, ...args], {
      env: { ...process.env, ...options.env, BENCH_RSS_FILE: report },
      stdio: ["ignore", "pipe", options.captureStderr || options.onStderrLine ? "pipe" : "inherit"],
    });
    if (options.onStderrLine) {
      const onLine = options.onStderrLine;
      let pending = "";
      child.stderr!.on("data", (chunk: string | Buffer) => {
        const at = (Date.now() - started) / 1000;
        if (!options.captureStderr) process.stderr.write(chunk);
        pending += String(chunk);
        const lines = pending.split("\n");
        pending = lines.pop()!;
        for (const line of lines) onLine(line, at);
      });
    }
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const [code] = (await once(child, "close")) as [number | null];
    const peakMiB = Number(await readFile(report, "utf8").catch(() => "0")) / 1024;
    return { code: code ?? -1, peakMiB, seconds: (Date.now() - started) / 1000, stdout, stderr };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Runs the CLI measured; a failure is the benchmark's failure. */
export async function runCliMeasured(
  args: string[],
  options: Parameters<typeof runMeasured>[1] = {},
): Promise<MeasuredRun> {
  const run = await runMeasured([CLI, ...args], options);
  if (run.code !== 0) throw new Error(`msehome ${args.join(" ")} exited with ${run.code}`);
  return run;
}

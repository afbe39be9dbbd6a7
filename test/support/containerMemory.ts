// A container's memory through the Engine API's stats: sampled while a test runs, and the kernel's
// own peak where the cgroup keeps one (`max_usage` under cgroup v1). Under cgroup v2 the Engine API
// has no peak, so the highest sample stands for it. (No test framework here: benchmarks may use it.)
import type { DockerEngine } from "../../src/docker/engine.js";

export interface MemoryPeak {
  /** Highest memory use seen, in bytes. */
  peakBytes: number;
  /** Where the peak comes from. */
  source: "cgroup max_usage" | "highest sample";
  /** The first sample, in bytes: the use before whatever the test does. */
  firstSampleBytes: number;
  /** Highest sampled usage, in bytes. */
  highestSampleBytes: number;
  samples: number;
}

interface MemoryStats {
  usage?: number;
  max_usage?: number;
}

async function readMemoryStats(engine: DockerEngine, id: string): Promise<MemoryStats> {
  const stats = (await engine.api
    .getContainer(id)
    .stats({ stream: false, "one-shot": true } as never)) as unknown as {
    memory_stats?: MemoryStats;
  };
  return stats.memory_stats ?? {};
}

/** Samples the container's memory every `intervalMs` until `stop`, which answers the peak. */
export function sampleContainerMemory(
  engine: DockerEngine,
  id: string,
  intervalMs = 250,
): { stop(): Promise<MemoryPeak> } {
  let highest = 0;
  let first = 0;
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const stats = await readMemoryStats(engine, id).catch(() => ({}) as MemoryStats);
      if (typeof stats.usage === "number") {
        highest = Math.max(highest, stats.usage);
        if (samples === 0) first = stats.usage;
        samples += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const final = await readMemoryStats(engine, id);
      if (typeof final.usage === "number") highest = Math.max(highest, final.usage);
      const kernelPeak = final.max_usage;
      const sampled = { firstSampleBytes: first, highestSampleBytes: highest, samples };
      return typeof kernelPeak === "number" && kernelPeak > 0
        ? { peakBytes: Math.max(kernelPeak, highest), source: "cgroup max_usage", ...sampled }
        : { peakBytes: highest, source: "highest sample", ...sampled };
    },
  };
}

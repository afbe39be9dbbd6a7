// Resource use read from the Engine API's stats: figures as docker stats computes them, a real
// container's use, and nothing for a stopped one.
import { describe, expect, it } from "vitest";
import { containerStatsOf } from "./containerStats.js";

describe("container stats", () => {
  it("reads CPU time and memory without the reclaimable cache (cgroup v2 and v1)", () => {
    const v2 = {
      cpu_stats: { cpu_usage: { total_usage: 2_500_000_000 } },
      memory_stats: { usage: 50_000_000, limit: 8_000_000_000, stats: { inactive_file: 10_000_000 } },
    };
    expect(containerStatsOf(v2)).toEqual({
      cpuSeconds: 2.5,
      memoryBytes: 40_000_000,
      memoryLimitBytes: 8_000_000_000,
    });
    const v1 = { ...v2, memory_stats: { ...v2.memory_stats, stats: { total_inactive_file: 20_000_000 } } };
    expect(containerStatsOf(v1)?.memoryBytes).toBe(30_000_000);
  });

  it("has no figures for a stopped container, whose stats are empty", () => {
    expect(containerStatsOf({ cpu_stats: { cpu_usage: { total_usage: 0 } }, memory_stats: {} })).toBe(
      undefined,
    );
    expect(containerStatsOf({ read: "0001-01-01T00:00:00Z" })).toBeUndefined();
    expect(containerStatsOf(null)).toBeUndefined();
  });
});

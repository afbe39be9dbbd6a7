// A running container's resource use from the Engine API's stats endpoint, read once (`one-shot`:
// no second sample, so it answers at once): CPU time used since it started, and memory in use the
// way `docker stats` counts it (the page cache the kernel can drop is not the app's).
import { z } from "zod";
import type { DockerEngine } from "./engine.js";

export interface ContainerStats {
  /** CPU time used since the container started, seconds. */
  cpuSeconds: number;
  /** Memory in use, bytes (without reclaimable page cache). */
  memoryBytes: number;
  /** The memory the container may use (its limit, or the host's memory), bytes. */
  memoryLimitBytes: number;
}

const statsSchema = z.object({
  cpu_stats: z.object({ cpu_usage: z.object({ total_usage: z.number().nonnegative() }) }).optional(),
  memory_stats: z
    .object({
      usage: z.number().nonnegative().optional(),
      limit: z.number().nonnegative().optional(),
      stats: z.record(z.string(), z.number()).optional(),
    })
    .optional(),
});

/** The stats answer as ContainerStats; undefined when it carries no figures (a stopped container). */
export function containerStatsOf(raw: unknown): ContainerStats | undefined {
  const parsed = statsSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const { cpu_stats: cpu, memory_stats: memory } = parsed.data;
  if (cpu === undefined || memory?.usage === undefined) return undefined;
  // cgroup v2 names the reclaimable cache inactive_file, cgroup v1 total_inactive_file (docker stats' rule).
  const cache = memory.stats?.inactive_file ?? memory.stats?.total_inactive_file ?? 0;
  return {
    cpuSeconds: cpu.cpu_usage.total_usage / 1e9,
    memoryBytes: Math.max(0, memory.usage - (cache < memory.usage ? cache : 0)),
    memoryLimitBytes: memory.limit ?? 0,
  };
}

/** The container's resource use now; undefined when the engine has no figures for it (not running). */
export async function readContainerStats(
  engine: DockerEngine,
  id: string,
): Promise<ContainerStats | undefined> {
  const raw = await engine.request<unknown>(`reading the resource use of container ${id}`, {
    path: `/containers/${encodeURIComponent(id)}/stats?`,
    method: "GET",
    options: { stream: false, "one-shot": true },
    statusCodes: { 200: true, 404: "no such container", 500: "server error" },
  });
  return containerStatsOf(raw);
}

// app.tar (and any code tar) through the safe extractor with the code limits the app container
// uses: whatever the archive, nothing may be written outside the target, every link left inside
// must resolve inside, and a refused archive leaves nothing behind.
import fc from "fast-check";
import { readdir, realpath, rm, writeFile, lstat } from "node:fs/promises";
import path from "node:path";
import { CorruptArchiveError, extractTarSafely, UnsafeArchiveError } from "../../src/package/safeExtract.js";
import { CODE_EXTRACT_LIMITS } from "../../src/runtime/container.js";
import { applyToSeed, buildHostileTar, hostileTar, patchedSeed } from "../tarInputs.js";
import type { Seeds } from "../seeds.js";
import { defineTarget, PropertyViolation } from "../target.js";

type Input = { hostile: Parameters<typeof buildHostileTar>[0] } | { seed: Parameters<typeof applyToSeed>[0] };

export async function tarBytes(input: Input, seeds: readonly Uint8Array[]): Promise<Uint8Array> {
  return "hostile" in input ? buildHostileTar(input.hostile, seeds) : applyToSeed(input.seed, seeds);
}

export function tarInput(): fc.Arbitrary<Input> {
  return fc.oneof(
    hostileTar.map((hostile): Input => ({ hostile })),
    patchedSeed.map((seed): Input => ({ seed })),
  );
}

/** Everything under `dir` resolves inside it (dangling links aside). */
export async function assertContained(dir: string): Promise<void> {
  const root = await realpath(dir);
  for (const entry of await readdir(dir, { recursive: true })) {
    const full = path.join(dir, String(entry));
    const resolved = await realpath(full).catch(() => undefined);
    if (resolved !== undefined && resolved !== root && !resolved.startsWith(`${root}${path.sep}`)) {
      throw new PropertyViolation(`${String(entry)} resolves outside the target, to ${resolved}`);
    }
  }
}

/** After a refusal, the work directory holds the input only. */
export async function assertOnlyInput(workDir: string, input: string): Promise<void> {
  const left = (await readdir(workDir)).filter((name) => name !== input);
  if (left.length > 0) throw new PropertyViolation(`a refused archive left ${left.join(", ")} behind`);
}

export const appTarTarget = defineTarget<Input>({
  name: "app-tar",
  drives: "extractTarSafely with the code limits: names, types, links, sizes, truncation",
  allowed: [UnsafeArchiveError, CorruptArchiveError],
  input: () => tarInput(),
  async run(input, { workDir, seeds }: { workDir: string; seeds: Seeds }) {
    const archive = path.join(workDir, "app.tar");
    const target = path.join(workDir, "code");
    await writeFile(archive, await tarBytes(input, seeds.appTars));
    try {
      await extractTarSafely(archive, target, CODE_EXTRACT_LIMITS);
    } catch (error) {
      await assertOnlyInput(workDir, "app.tar");
      throw error;
    }
    if (!(await lstat(target)).isDirectory()) throw new PropertyViolation("the target is not a directory");
    await assertContained(target);
    await rm(target, { recursive: true, force: true });
  },
  testRuns: 200,
  timeLimitMs: 5000,
  show: (input) =>
    JSON.stringify(input, (_k, v: unknown) =>
      v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v,
    ),
});

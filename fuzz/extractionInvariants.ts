// What an extraction must leave, whatever the archive: everything it wrote resolves inside its
// target, and a refused archive leaves nothing beside its input.
import { readdir, realpath } from "node:fs/promises";
import path from "node:path";
import { PropertyViolation } from "./target.js";

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

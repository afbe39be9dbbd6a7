// app.tar (and any code tar) through the safe extractor with the code limits the app container
// uses: whatever the archive, nothing may be written outside the target, every link left inside
// must resolve inside, and a refused archive leaves nothing behind.
import { lstat, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { CorruptArchiveError, extractTarSafely, UnsafeArchiveError } from "../../src/package/safeExtract.js";
import { CODE_EXTRACT_LIMITS } from "../../src/runtime/container.js";
import { assertContained, assertOnlyInput } from "../extractionInvariants.js";
import { tarBytes, tarInput, type TarInput } from "../tarInputs.js";
import { defineTarget, PropertyViolation } from "../target.js";

export const appTarTarget = defineTarget<TarInput>({
  name: "app-tar",
  drives: "extractTarSafely with the code limits: names, types, links, sizes, truncation",
  allowed: [UnsafeArchiveError, CorruptArchiveError],
  input: () => tarInput(),
  async run(input, { workDir, seeds }) {
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

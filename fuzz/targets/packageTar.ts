// A package file as the extracting reader opens it: the safe extraction of the outer tar,
// the member list, manifest.json and every member's size and SHA-256. Mutations hit the tar itself
// and, re-packed into a valid tar, the manifest and the members. A refused package leaves nothing.
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { extractPackage, PackageIntegrityError } from "../../src/package/packageReader.js";
import { PackageFormatError } from "../../src/package/packageManifest.js";
import { CorruptArchiveError, UnsafeArchiveError } from "../../src/package/safeExtract.js";
import { defineTarget } from "../target.js";
import { assertContained, assertOnlyInput } from "../extractionInvariants.js";
import { packageBytes, packageInput, type PackageInput } from "../packageInputs.js";

export const packageTarTarget = defineTarget<PackageInput>({
  name: "package-tar",
  drives: "extractPackage: safe extraction, member list, parsePackageManifest, member digests",
  allowed: [PackageFormatError, PackageIntegrityError, UnsafeArchiveError, CorruptArchiveError],
  input: packageInput,
  async run(input, { workDir, seeds }) {
    const file = path.join(workDir, "package_fuzz_1.tar");
    await writeFile(file, await packageBytes(input, seeds));
    const target = path.join(workDir, "package");
    try {
      await extractPackage(file, target);
    } catch (error) {
      await assertOnlyInput(workDir, path.basename(file));
      throw error;
    }
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

// A package file as `spawn` and `verify --package` read it, in place: the tar index, the member
// list, manifest.json and the members' sizes, then every member written or hashed against the
// manifest and the image configuration looked up inside image.tar. Mutations hit the tar itself
// and, re-packed into a valid tar, the manifest and the members. A refused member leaves no file.
import { readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { PackageFile } from "../../src/package/packageFile.js";
import { PackageFormatError } from "../../src/package/packageManifest.js";
import { PackageIntegrityError } from "../../src/package/packageReader.js";
import { defineTarget, PropertyViolation } from "../target.js";
import { packageBytes, packageInput, type PackageInput } from "../packageInputs.js";

export const packageFileTarget = defineTarget<PackageInput>({
  name: "package-file",
  drives: "PackageFile: tar index, member list, parsePackageManifest, member digests, image configuration",
  allowed: [PackageFormatError, PackageIntegrityError],
  input: packageInput,
  async run(input, { workDir, seeds }) {
    const file = path.join(workDir, "package_fuzz_1.tar");
    await writeFile(file, await packageBytes(input, seeds));
    const opened = await PackageFile.open(file);
    const out = path.join(workDir, "members");
    try {
      await opened.imageMarks();
      await opened.checkMember("image.tar");
      for (const member of ["app.tar", "mse.toml", "tests.tar"] as const) {
        const target = `${out}-${member}`;
        try {
          await opened.writeMember(member, target);
        } catch (error) {
          const left = (await readdir(workDir)).filter((entry) => entry.startsWith("members-"));
          if (left.length > 0) throw new PropertyViolation(`a refused ${member} left ${left.join(", ")}`);
          throw error;
        }
        await rm(target, { force: true });
      }
    } finally {
      await opened.close();
    }
  },
  testRuns: 200,
  timeLimitMs: 5000,
  show: (input) =>
    JSON.stringify(input, (_k, v: unknown) =>
      v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v,
    ),
});

// A package file as `spawn` and `verify --package` read it, in place: the tar index, the member
// list, manifest.json and the members' sizes, then every member written or hashed against the
// manifest and the image configuration looked up inside image.tar. Mutations hit the tar itself
// and, re-packed into a valid tar, the manifest and the members. A refused member leaves no file.
import fc from "fast-check";
import { readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { PackageFile } from "../../src/package/packageFile.js";
import { PackageFormatError } from "../../src/package/packageManifest.js";
import { PackageIntegrityError } from "../../src/package/packageReader.js";
import { mutatedBytes, mutatedJson } from "../mutations.js";
import { tarOf } from "../seeds.js";
import { defineTarget, PropertyViolation } from "../target.js";
import { tarBytes, tarInput, type TarInput } from "../tarInputs.js";

const MEMBERS = ["app.tar", "image.tar", "manifest.json", "mse.toml", "tests.tar"];

type Input =
  | { tar: TarInput }
  | { manifest: string; drop: number; extra: boolean; member: number; memberBytes: Uint8Array };

export const packageFileTarget = defineTarget<Input>({
  name: "package-file",
  drives: "PackageFile: tar index, member list, parsePackageManifest, member digests, image configuration",
  allowed: [PackageFormatError, PackageIntegrityError],
  input: (seeds) =>
    fc.oneof(
      tarInput().map((tar): Input => ({ tar })),
      fc.record({
        manifest: fc.oneof(mutatedJson(seeds.packageManifests), fc.constantFrom(...seeds.packageManifests)),
        drop: fc.nat({ max: MEMBERS.length + 3 }),
        extra: fc.boolean(),
        member: fc.nat({ max: MEMBERS.length + 3 }),
        memberBytes: mutatedBytes(seeds.appTars),
      }),
    ),
  async run(input, { workDir, seeds }) {
    const file = path.join(workDir, "package_fuzz_1.tar");
    let bytes: Uint8Array;
    if ("tar" in input) {
      bytes = await tarBytes(input.tar, seeds.packageTars);
    } else {
      const members = new Map(Object.entries(seeds.packageMembers));
      members.set("manifest.json", new Uint8Array(Buffer.from(input.manifest)));
      if (MEMBERS[input.member]) members.set(MEMBERS[input.member]!, input.memberBytes);
      if (MEMBERS[input.drop]) members.delete(MEMBERS[input.drop]!);
      if (input.extra) members.set("extra.txt", new Uint8Array(3));
      bytes = await tarOf([...members].map(([name, content]) => ({ name, content })));
    }
    await writeFile(file, bytes);
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

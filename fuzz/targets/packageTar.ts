// A package file as the extracting reader opens it: the safe extraction of the outer tar,
// the member list, manifest.json and every member's size and SHA-256. Mutations hit the tar itself
// and, re-packed into a valid tar, the manifest and the members. A refused package leaves nothing.
import fc from "fast-check";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { extractPackage, PackageIntegrityError } from "../../src/package/packageReader.js";
import { PackageFormatError } from "../../src/package/packageManifest.js";
import { CorruptArchiveError, UnsafeArchiveError } from "../../src/package/safeExtract.js";
import { mutatedBytes, mutatedJson } from "../mutations.js";
import { tarOf } from "../seeds.js";
import { defineTarget } from "../target.js";
import { assertContained, assertOnlyInput } from "../extractionInvariants.js";
import { tarBytes, tarInput, type TarInput } from "../tarInputs.js";

const MEMBERS = ["app.tar", "image.tar", "manifest.json", "mse.toml", "tests.tar"];

type Input =
  | { tar: TarInput }
  | { manifest: string; drop: number; extra: boolean; member: number; memberBytes: Uint8Array };

export const packageTarTarget = defineTarget<Input>({
  name: "package-tar",
  drives: "extractPackage: safe extraction, member list, parsePackageManifest, member digests",
  allowed: [PackageFormatError, PackageIntegrityError, UnsafeArchiveError, CorruptArchiveError],
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

// Package files for the package targets: a mutated tar as a whole, or a valid tar re-packed from the
// seed package's members with a mutated manifest, one member replaced, one dropped or one added.
import fc from "fast-check";
import { mutatedBytes, mutatedJson } from "./mutations.js";
import { type Seeds, tarOf } from "./seeds.js";
import { tarBytes, tarInput, type TarInput } from "./tarInputs.js";

const MEMBERS = ["app.tar", "image.tar", "manifest.json", "mse.toml", "tests.tar"];

export type PackageInput =
  | { tar: TarInput }
  | { manifest: string; drop: number; extra: boolean; member: number; memberBytes: Uint8Array };

export function packageInput(seeds: Seeds): fc.Arbitrary<PackageInput> {
  return fc.oneof(
    tarInput().map((tar): PackageInput => ({ tar })),
    fc.record({
      manifest: fc.oneof(mutatedJson(seeds.packageManifests), fc.constantFrom(...seeds.packageManifests)),
      drop: fc.nat({ max: MEMBERS.length + 3 }),
      extra: fc.boolean(),
      member: fc.nat({ max: MEMBERS.length + 3 }),
      memberBytes: mutatedBytes(seeds.appTars),
    }),
  );
}

export async function packageBytes(input: PackageInput, seeds: Seeds): Promise<Uint8Array> {
  if ("tar" in input) return tarBytes(input.tar, seeds.packageTars);
  const members = new Map(Object.entries(seeds.packageMembers));
  members.set("manifest.json", new Uint8Array(Buffer.from(input.manifest)));
  if (MEMBERS[input.member]) members.set(MEMBERS[input.member]!, input.memberBytes);
  if (MEMBERS[input.drop]) members.delete(MEMBERS[input.drop]!);
  if (input.extra) members.set("extra.txt", new Uint8Array(3));
  return tarOf([...members].map(([name, content]) => ({ name, content })));
}

// The app container's launch arguments (`msehome-run --size … --san … --id … --application …
// --expiration …`), as the runtime boots from them and the operator reads them back from a
// container. Arguments that parse must format and parse back to the same value.
import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import {
  formatLaunchArguments,
  LaunchArgumentError,
  parseLaunchArguments,
} from "../../src/model/launchArguments.js";
import { applyByteMutations, byteMutations, type ByteMutation } from "../mutations.js";
import { defineTarget, PropertyViolation } from "../target.js";

const WORDS = [
  "--size",
  "--san",
  "--id",
  "--application",
  "--expiration",
  "--simulation",
  "--dry-run",
  "--debug",
  "--",
  "-",
  "-s",
  "--size=4096M",
  "--simulation=true",
  "--no-debug",
  "4096M",
  "0M",
  "1M",
  "4097M",
  "1024m",
  "99999999M",
  "localhost",
  "::1",
  "1.2.3.4",
  "a..b",
  "-a.b",
  `${"a".repeat(64)}.com`,
  "x".repeat(300),
  "app.mjs:app",
  "../x.mjs:app",
  "app.mjs:1x",
  "app.mjs:a:b",
  "/abs.mjs",
  "0",
  "1",
  "9999999999999",
  "1e9",
  "-1",
  "",
  "\u0000",
  "0b8e6f36-1d7e-4b61-9c43-6c6a9f0a1c2d",
  "0B8E6F36-1D7E-4B61-9C43-6C6A9F0A1C2D",
  "00000000-0000-0000-0000-000000000000",
];

type Edit =
  | { kind: "drop"; at: number }
  | { kind: "duplicate"; at: number }
  | { kind: "word"; at: number; word: number; replace: boolean }
  | { kind: "bytes"; at: number; mutations: ByteMutation[] };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant("drop" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("word" as const),
    at: fc.nat(),
    word: fc.nat({ max: WORDS.length - 1 }),
    replace: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("bytes" as const), at: fc.nat(), mutations: byteMutations(2) }),
);

function applyEdit(argv: string[], e: Edit): string[] {
  const out = argv.slice();
  const at = e.at % (out.length + 1);
  if (e.kind === "drop") out.splice(at, 1);
  else if (e.kind === "duplicate" && out.length > 0) out.splice(at, 0, out[at % out.length]!);
  else if (e.kind === "word") out.splice(at, e.replace ? 1 : 0, WORDS[e.word]!);
  else if (e.kind === "bytes" && out.length > 0) {
    const i = at % out.length;
    out[i] = Buffer.from(applyByteMutations(new Uint8Array(Buffer.from(out[i]!)), e.mutations, [])).toString(
      "utf8",
    );
  }
  return out;
}

export const launchArgumentsTarget = defineTarget<string[]>({
  name: "launch-arguments",
  drives: "parseLaunchArguments (node:util parseArgs, size, SAN, UUID, application, expiration), round trip",
  allowed: [LaunchArgumentError],
  input: (seeds) =>
    fc.oneof(
      {
        weight: 9,
        arbitrary: fc
          .tuple(fc.nat(), fc.array(edit, { minLength: 1, maxLength: 4 }))
          .map(([i, edits]) => edits.reduce(applyEdit, seeds.launchArgvs[i % seeds.launchArgvs.length]!)),
      },
      { weight: 1, arbitrary: fc.array(fc.oneof(fc.constantFrom(...WORDS), fc.string()), { maxLength: 14 }) },
    ),
  run(argv) {
    const args = parseLaunchArguments(argv);
    if (!isDeepStrictEqual(parseLaunchArguments(formatLaunchArguments(args)), args)) {
      throw new PropertyViolation("launch arguments that parse do not format back to the same value");
    }
  },
  testRuns: 1500,
  show: (argv) => JSON.stringify(argv),
});

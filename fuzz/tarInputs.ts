// Hostile tars, structure-aware: members with the names, types and links an attacker would use,
// written with valid headers, then headers patched (sizes claiming gigabytes, base-256 sizes, other
// type flags, a checksum recomputed so the parser reads on) and bytes mutated on top.
import fc from "fast-check";
import type { Header as Headers } from "tar-stream";
import { applyByteMutations, byteMutations, type ByteMutation } from "./mutations.js";
import { tarOf } from "./seeds.js";

const NAMES = [
  "app.mjs",
  "lib/util.js",
  "lib/",
  "./a",
  "a/./b",
  "a//b",
  "../x",
  "a/../../x",
  "/etc/passwd",
  "..",
  ".",
  "",
  "a\u0000b",
  "lib",
  "lib/util.js/x",
  "é/ü.txt",
  `${"n".repeat(120)}/f`,
  `${"long".repeat(70)}`,
  "x/".repeat(60) + "y",
  "app.tar",
  "image.tar",
  "tests.tar",
  "mse.toml",
  "manifest.json",
  "extra.txt",
];
const LINKS = [
  "util.js",
  "../..",
  "/",
  "lib",
  "lib/util.js",
  "a/../../x",
  "",
  ".",
  "loop",
  "loop/x",
  "lib/current",
];
const TYPES: NonNullable<Headers["type"]>[] = [
  "file",
  "file",
  "file",
  "directory",
  "symlink",
  "link",
  "fifo",
  "character-device",
  "block-device",
  "contiguous-file",
];

interface Member {
  name: string;
  type: NonNullable<Headers["type"]>;
  linkname: string;
  content: Uint8Array;
}

const member: fc.Arbitrary<Member> = fc.record({
  name: fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...NAMES) },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  ),
  type: fc.constantFrom(...TYPES),
  linkname: fc.constantFrom(...LINKS),
  content: fc.uint8Array({ maxLength: 600 }),
});

type HeaderPatch =
  | { kind: "size"; header: number; value: number }
  | { kind: "base256Size"; header: number; value: number }
  | { kind: "type"; header: number; flag: number };

const SIZES = [0, 1, 511, 513, 1 << 20, 2 ** 33 - 1, 2 ** 34, 2 ** 40, Number.MAX_SAFE_INTEGER];
const TYPE_FLAGS = [0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x4b, 0x4c, 0x78, 0x67, 0x00, 0x5a, 0x53];

const patch: fc.Arbitrary<HeaderPatch> = fc.oneof(
  fc.record({
    kind: fc.constant("size" as const),
    header: fc.nat(),
    value: fc.nat({ max: SIZES.length - 1 }),
  }),
  fc.record({
    kind: fc.constant("base256Size" as const),
    header: fc.nat(),
    value: fc.nat({ max: SIZES.length - 1 }),
  }),
  fc.record({
    kind: fc.constant("type" as const),
    header: fc.nat(),
    flag: fc.nat({ max: TYPE_FLAGS.length - 1 }),
  }),
);

function checksumOf(block: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum;
}

/** Offsets of the 512-byte blocks that are valid headers. */
function headerOffsets(tar: Uint8Array): number[] {
  const offsets: number[] = [];
  for (let at = 0; at + 512 <= tar.length; at += 512) {
    const block = tar.subarray(at, at + 512);
    const stored = parseInt(
      Buffer.from(block.subarray(148, 156)).toString("latin1").replace(/[\0 ]/g, ""),
      8,
    );
    if (block.some((b) => b !== 0) && stored === checksumOf(block)) offsets.push(at);
  }
  return offsets;
}

function applyPatch(tar: Uint8Array, p: HeaderPatch): Uint8Array {
  const offsets = headerOffsets(tar);
  if (offsets.length === 0) return tar;
  const out = tar.slice();
  const at = offsets[p.header % offsets.length]!;
  const block = out.subarray(at, at + 512);
  if (p.kind === "size") {
    block.set(Buffer.from(`${SIZES[p.value]!.toString(8).padStart(11, "0").slice(-11)}\0`, "latin1"), 124);
  } else if (p.kind === "base256Size") {
    const field = new Uint8Array(12);
    let value = BigInt(SIZES[p.value]!);
    for (let i = 11; i > 0; i--) {
      field[i] = Number(value & 0xffn);
      value >>= 8n;
    }
    field[0] = 0x80;
    block.set(field, 124);
  } else {
    block[156] = TYPE_FLAGS[p.flag]!;
  }
  block.set(Buffer.from(`${checksumOf(block).toString(8).padStart(6, "0")}\0 `, "latin1"), 148);
  return out;
}

export interface HostileTar {
  members: Member[];
  patches: HeaderPatch[];
  mutations: ByteMutation[];
}

/** A hostile tar built from members (the patches and mutations may be empty: a valid tar). */
export async function buildHostileTar(spec: HostileTar, others: readonly Uint8Array[]): Promise<Uint8Array> {
  let tar = await tarOf(
    spec.members.map((m) => ({
      name: m.name,
      type: m.type,
      ...(m.type === "symlink" || m.type === "link" ? { linkname: m.linkname } : {}),
      ...(m.type === "file" || m.type === "contiguous-file" ? { content: m.content } : {}),
    })),
  ).catch(() => new Uint8Array(0));
  for (const p of spec.patches) tar = applyPatch(tar, p);
  return applyByteMutations(tar, spec.mutations, others);
}

export const hostileTar: fc.Arbitrary<HostileTar> = fc.record({
  members: fc.array(member, { minLength: 1, maxLength: 6 }),
  patches: fc.array(patch, { maxLength: 2 }),
  mutations: fc.oneof(fc.constant<ByteMutation[]>([]), byteMutations(2)),
});

/** Seeds (valid tars) with their headers patched and their bytes mutated. */
export const patchedSeed = fc.record({
  seed: fc.nat(),
  patches: fc.array(patch, { maxLength: 2 }),
  mutations: fc.oneof(fc.constant<ByteMutation[]>([]), byteMutations(3)),
});

export function applyToSeed(
  spec: { seed: number; patches: HeaderPatch[]; mutations: readonly ByteMutation[] },
  seeds: readonly Uint8Array[],
): Uint8Array {
  let tar = seeds[spec.seed % seeds.length]!;
  for (const p of spec.patches) tar = applyPatch(tar, p);
  return applyByteMutations(tar, spec.mutations, seeds);
}

export type TarInput = { hostile: HostileTar } | { seed: Parameters<typeof applyToSeed>[0] };

/** A hostile tar built from scratch, or a seed tar patched and mutated. */
export function tarInput(): fc.Arbitrary<TarInput> {
  return fc.oneof(
    hostileTar.map((hostile): TarInput => ({ hostile })),
    patchedSeed.map((seed): TarInput => ({ seed })),
  );
}

export function tarBytes(input: TarInput, seeds: readonly Uint8Array[]): Promise<Uint8Array> {
  return "hostile" in input
    ? buildHostileTar(input.hostile, seeds)
    : Promise.resolve(applyToSeed(input.seed, seeds));
}

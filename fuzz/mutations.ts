// Mutations of seed inputs, as fast-check arbitraries: a mutation is plain data (generated, hence
// reproducible from a seed) applied to a seed. Bytes: truncation, bit flips, insertions, deletions,
// duplicated ranges, splices with another seed, "interesting" integers written over length fields
// (little- and big-endian), DER lengths claiming huge sizes. JSON: a node replaced by a value of
// the wrong type, removed, nested thousands deep, grown huge, or its string mutated as bytes.
import fc from "fast-check";

/** Integers that break length and count fields: boundaries of every width, and their neighbours. */
const INTERESTING_INTEGERS = [
  0n,
  1n,
  2n,
  0x7fn,
  0x80n,
  0xffn,
  0x100n,
  0x7fffn,
  0x8000n,
  0xffffn,
  0x10000n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  0x1fffffffffffffn,
  0x7fffffffffffffffn,
  0xffffffffffffffffn,
] as const;

/** DER lengths: indefinite, zero-length long form, lengths over 4 bytes, and 2^32-1. */
const DER_LENGTHS: readonly number[][] = [
  [0x80],
  [0x81, 0x00],
  [0x84, 0xff, 0xff, 0xff, 0xff],
  [0x84, 0x7f, 0xff, 0xff, 0xff],
  [0x85, 0x01, 0x00, 0x00, 0x00, 0x00],
  [0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  [0xff],
];

export type ByteMutation =
  | { kind: "truncate"; at: number }
  | { kind: "flip"; at: number; bit: number }
  | { kind: "set"; at: number; value: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "token"; at: number; token: number; replace: boolean }
  | { kind: "delete"; at: number; length: number }
  | { kind: "duplicate"; at: number; length: number; times: number }
  | { kind: "integer"; at: number; width: 1 | 2 | 4 | 8; bigEndian: boolean; value: number }
  | { kind: "derLength"; at: number; length: number }
  | { kind: "splice"; other: number; at: number; otherAt: number };

const position = fc.nat({ max: 1 << 30 });

function byteMutation(): fc.Arbitrary<ByteMutation> {
  return fc.oneof(
    fc.record({ kind: fc.constant("truncate" as const), at: position }),
    fc.record({ kind: fc.constant("flip" as const), at: position, bit: fc.nat({ max: 7 }) }),
    fc.record({ kind: fc.constant("set" as const), at: position, value: fc.nat({ max: 255 }) }),
    fc.record({
      kind: fc.constant("insert" as const),
      at: position,
      bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
    }),
    fc.record({
      kind: fc.constant("token" as const),
      at: position,
      token: fc.nat(),
      replace: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant("delete" as const),
      at: position,
      length: fc.integer({ min: 1, max: 512 }),
    }),
    fc.record({
      kind: fc.constant("duplicate" as const),
      at: position,
      length: fc.integer({ min: 1, max: 256 }),
      times: fc.integer({ min: 1, max: 64 }),
    }),
    fc.record({
      kind: fc.constant("integer" as const),
      at: position,
      width: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const),
      bigEndian: fc.boolean(),
      value: fc.nat({ max: INTERESTING_INTEGERS.length - 1 }),
    }),
    fc.record({
      kind: fc.constant("derLength" as const),
      at: position,
      length: fc.nat({ max: DER_LENGTHS.length - 1 }),
    }),
    fc.record({ kind: fc.constant("splice" as const), other: fc.nat(), at: position, otherAt: position }),
  );
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function integerBytes(value: bigint, width: number, bigEndian: boolean): Uint8Array {
  const out = new Uint8Array(width);
  for (let i = 0; i < width; i++)
    out[bigEndian ? width - 1 - i : i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
}

/**
 * Applies one mutation. `others` are the seeds a splice may take its tail from; `tokens` are the
 * target's dictionary (markers of its format: PEM lines, JSON punctuation, TOML syntax…).
 */
export function applyByteMutation(
  data: Uint8Array,
  mutation: ByteMutation,
  others: readonly Uint8Array[],
  tokens: readonly Uint8Array[],
): Uint8Array {
  const at = mutation.at % (data.length + 1);
  switch (mutation.kind) {
    case "truncate":
      return data.slice(0, at);
    case "flip": {
      if (data.length === 0) return data;
      const out = data.slice();
      out[at % data.length]! ^= 1 << mutation.bit;
      return out;
    }
    case "set": {
      if (data.length === 0) return Uint8Array.of(mutation.value);
      const out = data.slice();
      out[at % data.length] = mutation.value;
      return out;
    }
    case "insert":
      return concat(data.subarray(0, at), mutation.bytes, data.subarray(at));
    case "token": {
      if (tokens.length === 0) return data;
      const token = tokens[mutation.token % tokens.length]!;
      const rest = mutation.replace
        ? data.subarray(Math.min(data.length, at + token.length))
        : data.subarray(at);
      return concat(data.subarray(0, at), token, rest);
    }
    case "delete":
      return concat(data.subarray(0, at), data.subarray(Math.min(data.length, at + mutation.length)));
    case "duplicate": {
      const chunk = data.subarray(at, Math.min(data.length, at + mutation.length));
      return concat(
        data.subarray(0, at),
        ...Array.from({ length: mutation.times + 1 }, () => chunk),
        data.subarray(at + chunk.length),
      );
    }
    case "integer": {
      const bytes = integerBytes(INTERESTING_INTEGERS[mutation.value]!, mutation.width, mutation.bigEndian);
      return concat(data.subarray(0, at), bytes, data.subarray(Math.min(data.length, at + bytes.length)));
    }
    case "derLength": {
      // Overwrites the length octets of whatever element starts at `at` (tag at `at`, length after).
      const lengthAt = Math.min(data.length, at + 1);
      const old = data[lengthAt] ?? 0;
      const oldSize = old & 0x80 ? 1 + (old & 0x7f) : 1;
      return concat(
        data.subarray(0, lengthAt),
        Uint8Array.from(DER_LENGTHS[mutation.length]!),
        data.subarray(Math.min(data.length, lengthAt + oldSize)),
      );
    }
    case "splice": {
      if (others.length === 0) return data;
      const other = others[mutation.other % others.length]!;
      return concat(data.subarray(0, at), other.subarray(mutation.otherAt % (other.length + 1)));
    }
  }
}

export function byteMutations(maxLength = 4): fc.Arbitrary<ByteMutation[]> {
  return fc.array(byteMutation(), { minLength: 1, maxLength });
}

export function applyByteMutations(
  seed: Uint8Array,
  mutations: readonly ByteMutation[],
  others: readonly Uint8Array[],
  tokens: readonly Uint8Array[] = [],
): Uint8Array {
  let data = seed;
  for (const mutation of mutations) data = applyByteMutation(data, mutation, others, tokens);
  return data;
}

const encodeTokens = (tokens: readonly string[]): Uint8Array[] =>
  tokens.map((t) => new Uint8Array(Buffer.from(t, "utf8")));

/** Seeds mutated as bytes, now and then plain random bytes. */
export function mutatedBytes(
  seeds: readonly Uint8Array[],
  tokens: readonly string[] = [],
): fc.Arbitrary<Uint8Array> {
  const dictionary = encodeTokens(tokens);
  return fc.oneof(
    {
      weight: 12,
      arbitrary: fc
        .tuple(fc.nat(), byteMutations())
        .map(([i, m]) => applyByteMutations(seeds[i % seeds.length]!, m, seeds, dictionary)),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 4096 }) },
    { weight: 1, arbitrary: fc.nat().map((i) => seeds[i % seeds.length]!) },
  );
}

/** Text seeds mutated as their UTF-8 bytes (decoded back leniently), now and then random text. */
export function mutatedText(seeds: readonly string[], tokens: readonly string[] = []): fc.Arbitrary<string> {
  const bytes = seeds.map((s) => new Uint8Array(Buffer.from(s, "utf8")));
  const dictionary = encodeTokens(tokens);
  return fc.oneof(
    {
      weight: 12,
      arbitrary: fc
        .tuple(fc.nat(), byteMutations(), fc.boolean())
        .map(([i, m, latin1]) =>
          Buffer.from(applyByteMutations(bytes[i % bytes.length]!, m, bytes, dictionary)).toString(
            latin1 ? "latin1" : "utf8",
          ),
        ),
    },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 512 }) },
    { weight: 1, arbitrary: fc.nat().map((i) => seeds[i % seeds.length]!) },
  );
}

// ---- JSON ----

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Values a node may be replaced with: every JSON type, boundary numbers, and markers expanded after serialisation. */
const REPLACEMENTS: readonly Json[] = [
  null,
  true,
  false,
  0,
  -1,
  0.5,
  -0,
  255,
  256,
  65535,
  65536,
  2 ** 31,
  2 ** 32,
  2 ** 53 + 2,
  1e308,
  -1e308,
  "",
  "0",
  "null",
  "UpToDate",
  "Revoked",
  "2023-02-30T25:61:61Z",
  "\u0000",
  "\ud800",
  "%ZZ",
  [],
  {},
  [null],
  { "": null },
];

/** Placeholders replaced in the serialised text: deep nesting and huge values JSON.stringify cannot build. */
const DEEP = "\u0001deep:";
const HUGE = "\u0001huge:";
const BIGNUM = "\u0001bignum:";

export type JsonMutation =
  | { kind: "replace"; node: number; value: number }
  | { kind: "delete"; node: number }
  | { kind: "addKey"; node: number; key: string; value: number }
  | { kind: "nest"; node: number; depth: number; array: boolean }
  | { kind: "huge"; node: number; size: number; array: boolean }
  | { kind: "bignum"; node: number; digits: number }
  | { kind: "string"; node: number; mutations: ByteMutation[] };

function jsonMutation(): fc.Arbitrary<JsonMutation> {
  const node = fc.nat();
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("replace" as const),
        node,
        value: fc.nat({ max: REPLACEMENTS.length - 1 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), node }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("addKey" as const),
        node,
        key: fc.oneof(
          fc.string({ maxLength: 12 }),
          fc.constantFrom("__proto__", "constructor", "toString", "signature", "version"),
        ),
        value: fc.nat({ max: REPLACEMENTS.length - 1 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("nest" as const),
        node,
        depth: fc.oneof(fc.integer({ min: 2, max: 64 }), fc.integer({ min: 1000, max: 20000 })),
        array: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("huge" as const),
        node,
        size: fc.oneof(fc.integer({ min: 100, max: 1000 }), fc.integer({ min: 50_000, max: 200_000 })),
        array: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("bignum" as const),
        node,
        digits: fc.integer({ min: 17, max: 400 }),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({ kind: fc.constant("string" as const), node, mutations: byteMutations(3) }),
    },
  );
}

interface Slot {
  parent: Json[] | { [key: string]: Json } | undefined;
  key: string | number;
  value: Json;
}

/** Every node of the tree in pre-order, with where it sits (the root has no parent). */
function slots(root: Json): Slot[] {
  const list: Slot[] = [];
  const stack: Slot[] = [{ parent: undefined, key: "", value: root }];
  while (stack.length > 0) {
    const slot = stack.pop()!;
    list.push(slot);
    const value = slot.value;
    if (Array.isArray(value)) value.forEach((v, i) => stack.push({ parent: value, key: i, value: v }));
    else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) stack.push({ parent: value, key: k, value: v });
    }
  }
  return list;
}

function put(root: { value: Json }, slot: Slot, value: Json | undefined): void {
  if (!slot.parent) {
    root.value = value === undefined ? null : value;
  } else if (Array.isArray(slot.parent)) {
    if (value === undefined) slot.parent.splice(slot.key as number, 1);
    else slot.parent[slot.key as number] = value;
  } else if (value === undefined) {
    delete slot.parent[slot.key as string];
  } else {
    Object.defineProperty(slot.parent, slot.key as string, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
}

function applyJsonMutation(root: { value: Json }, mutation: JsonMutation): void {
  const all = slots(root.value);
  const slot = all[mutation.node % all.length]!;
  switch (mutation.kind) {
    case "replace":
      return put(root, slot, structuredClone(REPLACEMENTS[mutation.value]!));
    case "delete":
      return put(root, slot, undefined);
    case "addKey": {
      const target = slot.value;
      if (target !== null && typeof target === "object" && !Array.isArray(target)) {
        Object.defineProperty(target, mutation.key, {
          value: structuredClone(REPLACEMENTS[mutation.value]!),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else if (Array.isArray(target)) {
        target.push(structuredClone(REPLACEMENTS[mutation.value]!));
      }
      return;
    }
    case "nest":
      return put(root, slot, `${DEEP}${mutation.depth}:${mutation.array ? "a" : "o"}`);
    case "huge":
      return put(root, slot, `${HUGE}${mutation.size}:${mutation.array ? "a" : "s"}`);
    case "bignum":
      return put(root, slot, `${BIGNUM}${mutation.digits}`);
    case "string": {
      if (typeof slot.value !== "string") return;
      const bytes = new Uint8Array(Buffer.from(slot.value, "utf8"));
      return put(root, slot, Buffer.from(applyByteMutations(bytes, mutation.mutations, [])).toString("utf8"));
    }
  }
}

/** JSON text with the placeholders expanded: nesting and sizes JSON.stringify could not build itself. */
function serialise(value: Json, indent: boolean): string {
  const text = JSON.stringify(value, null, indent ? 2 : undefined);
  return text.replace(
    /"\\u0001(deep|huge|bignum):(\d+)(?::([aos]))?"/g,
    (_m, what: string, n: string, form?: string) => {
      // A later string mutation may have rewritten the digits: the sizes stay within the generator's.
      const count = Math.min(Number(n), what === "bignum" ? 400 : what === "deep" ? 20_000 : 200_000);
      if (what === "deep")
        return form === "a"
          ? `${"[".repeat(count)}${"]".repeat(count)}`
          : `${'{"a":'.repeat(count)}0${"}".repeat(count)}`;
      if (what === "bignum") return `1${"0".repeat(count)}`;
      if (form === "a") return `[${new Array<string>(count).fill("0").join(",")}]`;
      return JSON.stringify("A".repeat(count));
    },
  );
}

/** JSON seeds mutated as a tree (one to three mutations), serialised compact or indented. */
export function mutatedJson(seeds: readonly string[]): fc.Arbitrary<string> {
  const parsed = seeds.map((s) => JSON.parse(s) as Json);
  return fc
    .tuple(fc.nat(), fc.array(jsonMutation(), { minLength: 1, maxLength: 3 }), fc.boolean())
    .map(([i, mutations, indent]) => {
      const root = { value: structuredClone(parsed[i % parsed.length]!) };
      for (const mutation of mutations) applyJsonMutation(root, mutation);
      return serialise(root.value, indent);
    });
}

/** JSON punctuation and values that often change how a text parses. */
export const JSON_TOKENS = [
  '"',
  "{",
  "}",
  "[",
  "]",
  ",",
  ":",
  "\\",
  "\\u0000",
  "\\ud800",
  "null",
  "1e999",
  "-0",
  "99999999999999999999",
  "  \n",
];

/** PEM markers, so that mutations make, break and duplicate blocks. */
export const PEM_TOKENS = [
  "-----BEGIN CERTIFICATE-----\n",
  "-----END CERTIFICATE-----\n",
  "-----BEGIN X509 CRL-----\n",
  "-----END X509 CRL-----\n",
  "-----BEGIN PUBLIC KEY-----\n",
  "-----END PUBLIC KEY-----\n",
  "=",
  "==",
  "\n",
  "%0A",
  "%",
];

/** Text seeds mutated as bytes, as JSON trees, or random JSON. */
export function mutatedJsonText(
  seeds: readonly string[],
  tokens: readonly string[] = [],
): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: mutatedJson(seeds) },
    { weight: 4, arbitrary: mutatedText(seeds, [...JSON_TOKENS, ...tokens]) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
  );
}

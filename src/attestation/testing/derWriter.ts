// For tests: a tiny DER writer to build certificates, CRLs and SGX extensions.

export function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const length = contents.reduce((n, c) => n + c.length, 0);
  const lengthBytes =
    length < 0x80
      ? [length]
      : length < 0x100
        ? [0x81, length]
        : length < 0x10000
          ? [0x82, length >> 8, length & 0xff]
          : [0x83, length >> 16, (length >> 8) & 0xff, length & 0xff];
  return Uint8Array.from([tag, ...lengthBytes, ...contents.flatMap((c) => [...c])]);
}

export const seq = (...c: Uint8Array[]): Uint8Array => tlv(0x30, ...c);
export const set = (...c: Uint8Array[]): Uint8Array => tlv(0x31, ...c);
export const octets = (b: Uint8Array): Uint8Array => tlv(0x04, b);
export const bool = (v: boolean): Uint8Array => tlv(0x01, Uint8Array.of(v ? 0xff : 0));
export const utf8 = (s: string): Uint8Array => tlv(0x0c, new TextEncoder().encode(s));
export const bitString = (b: Uint8Array): Uint8Array => tlv(0x03, Uint8Array.of(0), b);
export const explicit = (n: number, ...c: Uint8Array[]): Uint8Array => tlv(0xa0 + n, ...c);

/** Non-negative INTEGER from a number or big-endian bytes. */
export function integer(value: number | Uint8Array, tag = 0x02): Uint8Array {
  let bytes: number[];
  if (typeof value === "number") {
    bytes = [];
    let n = value;
    do {
      bytes.unshift(n & 0xff);
      n = Math.floor(n / 256);
    } while (n > 0);
  } else {
    bytes = [...value];
  }
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return tlv(tag, Uint8Array.from(bytes));
}

export const enumerated = (n: number): Uint8Array => integer(n, 0x0a);

export function oid(dotted: string): Uint8Array {
  const parts = dotted.split(".").map(Number);
  const out = [parts[0]! * 40 + parts[1]!];
  for (const part of parts.slice(2)) {
    const chunk = [part & 0x7f];
    let n = Math.floor(part / 128);
    while (n > 0) {
      chunk.unshift((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    out.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** UTCTime before 2050, GeneralizedTime after, as RFC 5280 requires. */
export function time(date: Date): Uint8Array {
  const iso = date.toISOString();
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "");
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, new TextEncoder().encode(`${digits.slice(2)}Z`))
    : tlv(0x18, new TextEncoder().encode(`${digits}Z`));
}

const NAME_TYPES: Record<string, string> = {
  CN: "2.5.4.3",
  O: "2.5.4.10",
  L: "2.5.4.7",
  ST: "2.5.4.8",
  C: "2.5.4.6",
};

/**
 * A Name: a bare common name gets O=msehome tests; "CN=…, O=…, L=…, ST=…, C=…" is written as
 * given (C as PrintableString, the rest UTF8String, as Intel writes its names).
 */
export function name(text: string): Uint8Array {
  if (!text.startsWith("CN=")) {
    return seq(set(seq(oid("2.5.4.3"), utf8(text))), set(seq(oid("2.5.4.10"), utf8("msehome tests"))));
  }
  return seq(
    ...text.split(", ").map((part) => {
      const [type, value] = part.split("=") as [string, string];
      const encoded = type === "C" ? tlv(0x13, new TextEncoder().encode(value)) : utf8(value);
      return set(seq(oid(NAME_TYPES[type]!), encoded));
    }),
  );
}

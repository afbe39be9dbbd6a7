// A minimal DER reader (definite lengths, as X.509 requires) for the few structures the verifier
// walks itself: certificate fields and extensions, CRLs, the SGX extension. It is a direct walk
// over the bytes, orders of magnitude cheaper than a schema-driven ASN.1 parser.
import { AttestationFormatError } from "./errors.js";

export const TAG_BOOLEAN = 0x01;
export const TAG_INTEGER = 0x02;
export const TAG_BIT_STRING = 0x03;
export const TAG_OCTET_STRING = 0x04;
export const TAG_OID = 0x06;
export const TAG_ENUMERATED = 0x0a;
export const TAG_UTC_TIME = 0x17;
export const TAG_GENERALIZED_TIME = 0x18;
export const TAG_SEQUENCE = 0x30;

/** One TLV element: its tag, where its value starts and ends, and where the whole element starts. */
export interface DerElement {
  tag: number;
  start: number;
  valueStart: number;
  end: number;
}

export function readElement(
  bytes: Uint8Array,
  offset: number,
  what: string,
  limit = bytes.length,
): DerElement {
  if (offset + 2 > limit)
    throw new AttestationFormatError(`${what}: DER element truncated at offset ${offset}`);
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f)
    throw new AttestationFormatError(`${what}: multi-byte DER tags are not supported`);
  let length = bytes[offset + 1]!;
  let valueStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) {
      throw new AttestationFormatError(
        `${what}: DER length at offset ${offset} is not definite or too large`,
      );
    }
    if (valueStart + count > limit) throw new AttestationFormatError(`${what}: DER length truncated`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[valueStart + i]!;
    valueStart += count;
  }
  const end = valueStart + length;
  if (end > limit) {
    throw new AttestationFormatError(
      `${what}: DER element at offset ${offset} claims ${length} bytes, only ${limit - valueStart} available`,
    );
  }
  return { tag, start: offset, valueStart, end };
}

/** Reads the single element that must fill `bytes` exactly. */
export function readRoot(bytes: Uint8Array, what: string): DerElement {
  const root = readElement(bytes, 0, what);
  if (root.end !== bytes.length) {
    throw new AttestationFormatError(
      `${what}: ${bytes.length - root.end} unexpected bytes after the DER value`,
    );
  }
  return root;
}

export function children(bytes: Uint8Array, parent: DerElement, what: string): DerElement[] {
  const list: DerElement[] = [];
  let offset = parent.valueStart;
  while (offset < parent.end) {
    const child = readElement(bytes, offset, what, parent.end);
    list.push(child);
    offset = child.end;
  }
  return list;
}

export function expectTag(element: DerElement | undefined, tag: number, what: string): DerElement {
  if (!element || element.tag !== tag) {
    throw new AttestationFormatError(
      `${what}: expected DER tag 0x${tag.toString(16)}, found ${element ? `0x${element.tag.toString(16)}` : "nothing"}`,
    );
  }
  return element;
}

export function valueOf(bytes: Uint8Array, element: DerElement): Uint8Array {
  return bytes.subarray(element.valueStart, element.end);
}

export function whole(bytes: Uint8Array, element: DerElement): Uint8Array {
  return bytes.subarray(element.start, element.end);
}

export function decodeOid(value: Uint8Array): string {
  let text = "";
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const byte = value[i]!;
    n = n * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      if (text === "") text = n < 80 ? `${Math.floor(n / 40)}.${n % 40}` : `2.${n - 80}`;
      else text += `.${n}`;
      n = 0;
    }
  }
  return text;
}

/** Non-negative INTEGER as a number (SVNs, enumerations); larger values are rejected. */
export function decodeSmallInteger(value: Uint8Array, what: string): number {
  if (value.length === 0 || value.length > 6 || (value[0]! & 0x80) !== 0) {
    throw new AttestationFormatError(`${what}: not a small non-negative DER INTEGER`);
  }
  let n = 0;
  for (const byte of value) n = n * 256 + byte;
  return n;
}

/** INTEGER as lowercase hex without leading zero bytes (how serial numbers are compared). */
export function integerHex(value: Uint8Array): string {
  let i = 0;
  while (i < value.length - 1 && value[i] === 0) i++;
  return Buffer.from(value.subarray(i)).toString("hex");
}

/** The decimal number written in `count` ASCII digits at `start`, or -1 if one is not a digit. */
function asciiDigits(value: Uint8Array, start: number, count: number): number {
  let n = 0;
  for (let i = start; i < start + count; i++) {
    const digit = value[i]! - 0x30;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

/**
 * UTCTime (YYMMDDhhmmssZ) or GeneralizedTime (YYYYMMDDhhmmssZ) as DER requires them: UTC, whole
 * seconds, trailing Z. Read digit by digit from the bytes (certificates and CRLs carry many).
 */
export function decodeTime(bytes: Uint8Array, element: DerElement, what: string): Date {
  const value = valueOf(bytes, element);
  const y = element.tag === TAG_UTC_TIME ? 2 : element.tag === TAG_GENERALIZED_TIME ? 4 : 0;
  if (y !== 0 && value.length === y + 11 && value[y + 10] === 0x5a) {
    let year = asciiDigits(value, 0, y);
    const month = asciiDigits(value, y, 2);
    const day = asciiDigits(value, y + 2, 2);
    const hour = asciiDigits(value, y + 4, 2);
    const minute = asciiDigits(value, y + 6, 2);
    const second = asciiDigits(value, y + 8, 2);
    if (Math.min(year, month, day, hour, minute, second) >= 0) {
      if (y === 2) year = year < 50 ? 2000 + year : 1900 + year;
      return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    }
  }
  throw new AttestationFormatError(`${what}: "${Buffer.from(value).toString("latin1")}" is not a DER time`);
}

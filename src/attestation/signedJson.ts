// Intel's signed JSON collateral, `{"tcbInfo":{…},"signature":"<hex r‖s>"}` and
// `{"enclaveIdentity":{…},"signature":"…"}`: the signature covers the exact bytes of the inner
// object as served, so its raw text is cut out of the body, never re-serialised.
import { AttestationFormatError } from "./errors.js";

export interface SignedJson {
  /** The raw text of the signed object, byte for byte as in the body. */
  signedText: string;
  /** The signed object, parsed. */
  value: unknown;
  /** ECDSA P-256 signature r‖s (64 bytes). */
  signature: Uint8Array;
}

const QUOTE = 0x22; // "
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

// JSON whitespace: space, \t, \n, \r. (Char codes, not one-char strings: bodies are scanned on
// every cold verification.)
function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** End index (exclusive) of the JSON string starting at `start` (a quote). */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return -1;
}

/** End index (exclusive) of the JSON value starting at `start`. */
function valueEnd(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (first === QUOTE) return stringEnd(text, start);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        i = stringEnd(text, i) - 1;
        if (i < 0) return -1;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  let i = start;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isWhitespace(c) || c === COMMA || c === CLOSE_BRACE) break;
  }
  return i;
}

/** A member name: a JSON string, escapes and all. */
function memberName(quoted: string, fail: (why: string) => never): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return fail(`the member name ${quoted.slice(0, 40)} is not a valid JSON string`);
  }
}

/** The raw text span of each member of a top-level JSON object. */
export function topLevelMembers(text: string, what: string): Map<string, string> {
  const members = new Map<string, string>();
  const fail = (why: string): never => {
    throw new AttestationFormatError(`${what} is not a JSON object: ${why}`);
  };
  let i = 0;
  const skip = (): void => {
    while (i < text.length && isWhitespace(text.charCodeAt(i))) i++;
  };
  skip();
  if (text.charCodeAt(i) !== OPEN_BRACE) fail("it does not start with {");
  i++;
  skip();
  if (text.charCodeAt(i) === CLOSE_BRACE) return members;
  for (;;) {
    skip();
    if (text.charCodeAt(i) !== QUOTE) fail(`expected a member name at offset ${i}`);
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0) fail("unterminated string");
    const key = memberName(text.slice(i, keyEnd), fail);
    i = keyEnd;
    skip();
    if (text.charCodeAt(i) !== COLON) fail(`expected ":" at offset ${i}`);
    i++;
    skip();
    const end = valueEnd(text, i);
    if (end <= i) fail(`unterminated value for "${key}"`);
    if (members.has(key)) fail(`"${key}" appears twice`);
    members.set(key, text.slice(i, end));
    i = end;
    skip();
    if (text.charCodeAt(i) === COMMA) {
      i++;
      continue;
    }
    if (text.charCodeAt(i) === CLOSE_BRACE) break;
    fail(`expected "," or "}" at offset ${i}`);
  }
  i++;
  skip();
  if (i !== text.length) fail("unexpected text after the object");
  return members;
}

const SIGNATURE_HEX = /^[0-9a-fA-F]{128}$/;

/**
 * The signed member's raw text and the signature's JSON text, when the body has exactly the
 * layout PCCS serves, `{"<key>":{…},"signature":"<128 hex digits>"}` with no whitespace. The
 * middle `{…}` is then the member's raw text if and only if it parses as one JSON value, which the
 * caller checks next; any other layout (spaces, other order, more members) takes the scanner.
 */
function servedLayout(body: string, key: string): { signedText: string; signatureText: string } | undefined {
  const prefix = `{"${key}":`;
  const suffixLength = ',"signature":"'.length + 128 + '"}'.length;
  if (!body.startsWith(prefix) || body.length < prefix.length + suffixLength) return undefined;
  const suffixStart = body.length - suffixLength;
  if (!body.startsWith(',"signature":"', suffixStart) || !body.endsWith('"}')) return undefined;
  const signatureText = body.slice(suffixStart + ',"signature":'.length, body.length - 1);
  if (!SIGNATURE_HEX.test(signatureText.slice(1, -1))) return undefined;
  const signedText = body.slice(prefix.length, suffixStart);
  // An object exactly, with no surrounding whitespace (which is not part of the signed bytes).
  if (!signedText.startsWith("{") || !signedText.endsWith("}")) return undefined;
  return { signedText, signatureText };
}

/** Splits a PCCS body into the signed object's raw text, its parsed value and its signature. */
export function parseSignedJson(body: string, key: "tcbInfo" | "enclaveIdentity", what: string): SignedJson {
  let parts = servedLayout(body, key);
  let value: unknown;
  if (parts) {
    try {
      value = JSON.parse(parts.signedText);
    } catch {
      parts = undefined; // e.g. `{"tcbInfo":{…},"x":1,"signature":…}`: let the scanner decide
    }
  }
  if (!parts) {
    const members = topLevelMembers(body, what);
    const signedText = members.get(key);
    const signatureText = members.get("signature");
    if (signedText === undefined) throw new AttestationFormatError(`${what} has no "${key}" member`);
    if (signatureText === undefined) throw new AttestationFormatError(`${what} has no "signature" member`);
    parts = { signedText, signatureText };
    try {
      value = JSON.parse(signedText);
    } catch (cause) {
      throw new AttestationFormatError(`${what} is not valid JSON`, { cause });
    }
  }
  let signatureHex: unknown;
  try {
    signatureHex = JSON.parse(parts.signatureText);
  } catch (cause) {
    throw new AttestationFormatError(`${what} is not valid JSON`, { cause });
  }
  if (typeof signatureHex !== "string" || !SIGNATURE_HEX.test(signatureHex)) {
    throw new AttestationFormatError(`${what} signature must be 64 bytes of hex (r‖s)`);
  }
  return { signedText: parts.signedText, value, signature: new Uint8Array(Buffer.from(signatureHex, "hex")) };
}

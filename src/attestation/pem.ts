// PEM text ⇄ DER bytes, for certificates, CRLs and keys.
import { AttestationFormatError } from "./errors.js";

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

const BEGIN = "-----BEGIN ";
const DASHES = "-----";

// Value of each ASCII character in a base64 body: 0..63 for the alphabet, SPACE for whitespace
// (skipped, as anywhere in PEM), PAD for "=", INVALID for anything else.
const INVALID = 0xff;
const SPACE = 0xfe;
const PAD = 0xfd;
const BASE64_VALUES = new Uint8Array(128).fill(INVALID);
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  .split("")
  .forEach((c, i) => (BASE64_VALUES[c.charCodeAt(0)] = i));
for (const c of " \t\n\r\v\f") BASE64_VALUES[c.charCodeAt(0)] = SPACE;
BASE64_VALUES["=".charCodeAt(0)] = PAD;
const WHITESPACE = /\s/;

function base64Value(code: number): number {
  if (code < 128) return BASE64_VALUES[code]!;
  return WHITESPACE.test(String.fromCharCode(code)) ? SPACE : INVALID;
}

/**
 * Decodes a strictly well-formed base64 body of text[start, end): the alphabet with whitespace
 * anywhere, then at most two "=" at the end, a whole number of 4-character groups. Undefined when
 * it is not. One pass over the characters (bodies are decoded on every cold verification), four
 * at a time between line breaks, into standalone bytes.
 */
function decodeStrictBase64(text: string, start: number, end: number): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor(((end - start) * 3) / 4));
  let length = 0;
  let symbols = 0;
  let pads = 0;
  let bits = 0;
  let bitCount = 0;
  let i = start;
  while (i < end) {
    // A whole group of four alphabet characters, on a group boundary.
    if (bitCount === 0 && i + 4 <= end) {
      const c0 = text.charCodeAt(i);
      const c1 = text.charCodeAt(i + 1);
      const c2 = text.charCodeAt(i + 2);
      const c3 = text.charCodeAt(i + 3);
      if ((c0 | c1 | c2 | c3) < 128) {
        const v0 = BASE64_VALUES[c0]!;
        const v1 = BASE64_VALUES[c1]!;
        const v2 = BASE64_VALUES[c2]!;
        const v3 = BASE64_VALUES[c3]!;
        if ((v0 | v1 | v2 | v3) < 64) {
          if (pads > 0) return undefined;
          const group = (v0 << 18) | (v1 << 12) | (v2 << 6) | v3;
          out[length] = group >> 16;
          out[length + 1] = (group >> 8) & 0xff;
          out[length + 2] = group & 0xff;
          length += 3;
          symbols += 4;
          i += 4;
          continue;
        }
      }
    }
    const value = base64Value(text.charCodeAt(i++));
    if (value < 64) {
      if (pads > 0) return undefined; // data after padding
      symbols++;
      bits = ((bits << 6) | value) & 0xffffff;
      bitCount += 6;
      if (bitCount >= 8) {
        bitCount -= 8;
        out[length++] = (bits >> bitCount) & 0xff;
      }
    } else if (value === PAD) {
      if (++pads > 2) return undefined;
    } else if (value !== SPACE) {
      return undefined;
    }
  }
  if ((symbols + pads) % 4 !== 0) return undefined;
  return length === out.length ? out : out.slice(0, length);
}

/**
 * Every PEM block of `text`, in order (text between blocks is ignored). Base64 bodies must be
 * well-formed; a block without its END line is not a block. Blocks are found with indexOf rather
 * than one large regular expression: PEM chains are decoded on every cold verification.
 */
export function pemBlocks(text: string, what = "PEM text"): PemBlock[] {
  const blocks: PemBlock[] = [];
  let from = 0;
  for (;;) {
    const begin = text.indexOf(BEGIN, from);
    if (begin < 0) break;
    const labelStart = begin + BEGIN.length;
    const labelEnd = text.indexOf(DASHES, labelStart);
    if (labelEnd < 0) break;
    const label = text.slice(labelStart, labelEnd);
    if (!/^[A-Z0-9 ]+$/.test(label)) {
      from = labelStart;
      continue;
    }
    const bodyStart = labelEnd + DASHES.length;
    const endLine = `-----END ${label}-----`;
    const bodyEnd = text.indexOf(endLine, bodyStart);
    if (bodyEnd < 0) {
      from = labelStart;
      continue;
    }
    const der = decodeStrictBase64(text, bodyStart, bodyEnd);
    if (!der) throw new AttestationFormatError(`${what}: a ${label} block is not valid base64`);
    blocks.push({ label, der });
    from = bodyEnd + endLine.length;
  }
  return blocks;
}

/** DER of every CERTIFICATE block (a chain, leaf first); at least one is required. */
export function certificatesFromPem(text: string, what: string): Uint8Array[] {
  const certs = pemBlocks(text, what)
    .filter((b) => b.label === "CERTIFICATE")
    .map((b) => b.der);
  if (certs.length === 0) throw new AttestationFormatError(`${what} contains no PEM certificate`);
  return certs;
}

export function toPem(der: Uint8Array, label: string): string {
  const base64 = Buffer.from(der).toString("base64");
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/**
 * A CRL as PCCS serves it or as Intel's QVL accepts it: PEM ("X509 CRL" or "CRL") or hex of the DER.
 */
export function crlDerFromText(text: string, what: string): Uint8Array {
  const trimmed = text.trim();
  if (trimmed.startsWith("-----BEGIN")) {
    const block = pemBlocks(trimmed, what).find((b) => b.label === "X509 CRL" || b.label === "CRL");
    if (!block) throw new AttestationFormatError(`${what} is PEM but holds no X509 CRL block`);
    return block.der;
  }
  if (/^([0-9a-fA-F]{2})+$/.test(trimmed)) return new Uint8Array(Buffer.from(trimmed, "hex"));
  throw new AttestationFormatError(`${what} is neither a PEM CRL nor hex of a DER CRL`);
}

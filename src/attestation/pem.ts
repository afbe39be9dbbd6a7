// PEM text ⇄ DER bytes, for certificates, CRLs and keys.
import { AttestationFormatError } from "./errors.js";

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

const BEGIN = "-----BEGIN ";
const DASHES = "-----";

// Base64 alphabet with whitespace anywhere, then at most two "=" at the end.
const BASE64_BODY = /^[A-Za-z0-9+/\s]*(?:=\s*){0,2}$/;
const WHITESPACE = /\s/g;

/** Is the base64 body strictly well-formed: alphabet, final padding, a whole number of 4-char groups? */
function isStrictBase64(body: string): boolean {
  if (!BASE64_BODY.test(body)) return false;
  const whitespace = body.match(WHITESPACE)?.length ?? 0;
  return (body.length - whitespace) % 4 === 0;
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
    const body = text.slice(bodyStart, bodyEnd);
    if (!isStrictBase64(body)) {
      throw new AttestationFormatError(`${what}: a ${label} block is not valid base64`);
    }
    // Node's decoder skips the line breaks; the check above made sure nothing else is skipped.
    // A standalone copy, not a view into Buffer's shared pool.
    blocks.push({ label, der: new Uint8Array(Buffer.from(body, "base64")) });
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

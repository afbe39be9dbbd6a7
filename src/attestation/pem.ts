// PEM text ⇄ DER bytes, for certificates, CRLs and keys.
import { AttestationFormatError } from "./errors.js";

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

/** Every PEM block of `text`, in order. Base64 bodies must be well-formed. */
export function pemBlocks(text: string, what = "PEM text"): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const body = match[2]!.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) {
      throw new AttestationFormatError(`${what}: a ${match[1]} block is not valid base64`);
    }
    blocks.push({ label: match[1]!, der: new Uint8Array(Buffer.from(body, "base64")) });
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

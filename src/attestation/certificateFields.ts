// The fields of an X.509 certificate the verifier needs, read straight from its DER: the signed
// bytes, serial, raw issuer and subject names, validity, extensions, signature.
import { AttestationFormatError } from "./errors.js";
import {
  children,
  decodeOid,
  decodeTime,
  expectTag,
  integerHex,
  readRoot,
  TAG_BIT_STRING,
  TAG_BOOLEAN,
  TAG_INTEGER,
  TAG_OCTET_STRING,
  TAG_OID,
  TAG_SEQUENCE,
  valueOf,
  whole,
  type DerElement,
} from "./der.js";

export interface CertificateExtension {
  critical: boolean;
  /** Contents of extnValue (the DER of the extension's own value). */
  value: Uint8Array;
}

export interface CertificateFields {
  /** DER of tbsCertificate: the bytes the issuer signed. */
  tbs: Uint8Array;
  serialHex: string;
  /** INTEGER contents of the serial number, as encoded. */
  serial: Uint8Array;
  /** Raw DER of the issuer and subject Names (compared byte for byte, as Intel's QVL does). */
  issuer: Uint8Array;
  subject: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** DER SubjectPublicKeyInfo. */
  spki: Uint8Array;
  extensions: Map<string, CertificateExtension>;
  /** Hash of the ECDSA signature algorithm ("sha256"…), or undefined if not ECDSA. */
  signatureHash: string | undefined;
  signatureAlgorithm: string;
  /** DER ECDSA-Sig-Value (the BIT STRING contents without the unused-bits byte). */
  signature: Uint8Array;
}

const ECDSA_HASHES: Record<string, string> = {
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
};

/** Reads AlgorithmIdentifier's OID. */
export function algorithmOid(bytes: Uint8Array, element: DerElement, what: string): string {
  const [oid] = children(bytes, expectTag(element, TAG_SEQUENCE, what), what);
  return decodeOid(valueOf(bytes, expectTag(oid, TAG_OID, what)));
}

export function ecdsaHashOf(algorithm: string): string | undefined {
  return ECDSA_HASHES[algorithm];
}

/** BIT STRING contents with no unused bits (signatures, keys). */
export function bitStringBytes(bytes: Uint8Array, element: DerElement, what: string): Uint8Array {
  const value = valueOf(bytes, expectTag(element, TAG_BIT_STRING, what));
  if (value.length === 0 || value[0] !== 0)
    throw new AttestationFormatError(`${what}: unexpected unused bits`);
  return value.subarray(1);
}

export function certificateFields(der: Uint8Array, what = "certificate"): CertificateFields {
  const root = readRoot(der, what);
  const [tbsElement, sigAlg, sigValue] = children(der, expectTag(root, TAG_SEQUENCE, what), what);
  const tbsParts = children(der, expectTag(tbsElement, TAG_SEQUENCE, what), what);
  let i = tbsParts[0]?.tag === 0xa0 ? 1 : 0; // optional [0] EXPLICIT version
  const serial = expectTag(tbsParts[i++], TAG_INTEGER, `${what} serial`);
  i++; // inner signature AlgorithmIdentifier (must equal the outer one; OpenSSL checks it too)
  const issuer = expectTag(tbsParts[i++], TAG_SEQUENCE, `${what} issuer`);
  const validity = children(der, expectTag(tbsParts[i++], TAG_SEQUENCE, `${what} validity`), what);
  const subject = expectTag(tbsParts[i++], TAG_SEQUENCE, `${what} subject`);
  const spki = expectTag(tbsParts[i++], TAG_SEQUENCE, `${what} public key`);
  const extensions = new Map<string, CertificateExtension>();
  for (; i < tbsParts.length; i++) {
    const part = tbsParts[i]!;
    if (part.tag !== 0xa3) continue; // issuer/subject unique IDs are ignored
    const [list] = children(der, part, what);
    for (const ext of children(der, expectTag(list, TAG_SEQUENCE, `${what} extensions`), what)) {
      const fields = children(der, expectTag(ext, TAG_SEQUENCE, `${what} extension`), what);
      const oid = decodeOid(valueOf(der, expectTag(fields[0], TAG_OID, `${what} extension`)));
      const critical =
        fields.length === 3 && fields[1]!.tag === TAG_BOOLEAN && der[fields[1]!.valueStart] !== 0;
      const value = expectTag(fields[fields.length - 1], TAG_OCTET_STRING, `${what} extension ${oid}`);
      if (extensions.has(oid)) throw new AttestationFormatError(`${what}: extension ${oid} appears twice`);
      extensions.set(oid, { critical, value: valueOf(der, value) });
    }
  }
  const signatureAlgorithm = algorithmOid(der, sigAlg!, `${what} signature algorithm`);
  return {
    tbs: whole(der, tbsElement!),
    serialHex: integerHex(valueOf(der, serial)),
    serial: valueOf(der, serial),
    issuer: whole(der, issuer),
    subject: whole(der, subject),
    notBefore: decodeTime(der, validity[0]!, `${what} notBefore`),
    notAfter: decodeTime(der, validity[1]!, `${what} notAfter`),
    spki: whole(der, spki),
    extensions,
    signatureAlgorithm,
    signatureHash: ecdsaHashOf(signatureAlgorithm),
    signature: bitStringBytes(der, sigValue!, `${what} signature`),
  };
}

/** keyUsage bits (2.5.29.15): 5 keyCertSign, 6 cRLSign; undefined when the extension is absent. */
export function keyUsageAllows(fields: CertificateFields, bit: number): boolean | undefined {
  const ext = fields.extensions.get("2.5.29.15");
  if (!ext) return undefined;
  const root = readRoot(ext.value, "keyUsage");
  const value = valueOf(ext.value, expectTag(root, TAG_BIT_STRING, "keyUsage"));
  const byte = value[1 + (bit >> 3)];
  return byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0;
}

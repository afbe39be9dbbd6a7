// A parsed X.509 CRL (RFC 5280 CertificateList): issuer, thisUpdate/nextUpdate, revoked serials,
// the CRL number and authority key identifier Intel's profile requires, and "is it signed by that
// CA" (memoised per issuer).
import { bytesKey, ContentCache, ownedCopy, PairMemo } from "./cache.js";
import { algorithmOid, bitStringBytes, ecdsaHashOf } from "./certificateFields.js";
import { verifySignature, type ParsedCertificate } from "./certificate.js";
import {
  children,
  decodeOid,
  decodeTime,
  expectTag,
  integerHex,
  readRoot,
  TAG_GENERALIZED_TIME,
  TAG_INTEGER,
  TAG_OCTET_STRING,
  TAG_OID,
  TAG_SEQUENCE,
  TAG_UTC_TIME,
  valueOf,
  whole,
  type DerElement,
} from "./der.js";
import { bytesEqual } from "./bytes.js";
import { crlDerFromText } from "./pem.js";

export class ParsedCrl {
  readonly tbs: Uint8Array;
  readonly issuer: Uint8Array;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  /** INTEGER contents of each revoked serial without leading zero bytes (views into `der`). */
  private readonly revoked: Uint8Array[];
  private revokedHex: ReadonlySet<string> | undefined;
  /** cRLNumber (2.5.29.20) as lowercase hex, when present and a non-negative INTEGER. */
  readonly crlNumber: string | undefined;
  /** keyIdentifier of authorityKeyIdentifier (2.5.29.35), when present. */
  readonly authorityKeyIdentifier: Uint8Array | undefined;
  private readonly signatureHash: string | undefined;
  private readonly signature: Uint8Array;

  constructor(
    readonly der: Uint8Array,
    what: string,
  ) {
    const root = readRoot(der, what);
    const [tbsElement, sigAlg, sigValue] = children(der, expectTag(root, TAG_SEQUENCE, what), what);
    const parts = children(der, expectTag(tbsElement, TAG_SEQUENCE, what), what);
    let i = parts[0]?.tag === TAG_INTEGER ? 1 : 0; // optional version
    i++; // inner signature algorithm
    this.issuer = whole(der, expectTag(parts[i++], TAG_SEQUENCE, `${what} issuer`));
    this.thisUpdate = decodeTime(der, parts[i++]!, `${what} thisUpdate`);
    const next = parts[i];
    if (next && (next.tag === TAG_UTC_TIME || next.tag === TAG_GENERALIZED_TIME)) {
      this.nextUpdate = decodeTime(der, next, `${what} nextUpdate`);
      i++;
    }
    const revoked: Uint8Array[] = [];
    const list = parts[i];
    if (list && list.tag === TAG_SEQUENCE) {
      for (const entry of children(der, list, what)) {
        const [serial] = children(der, expectTag(entry, TAG_SEQUENCE, `${what} entry`), what);
        revoked.push(
          withoutLeadingZeros(valueOf(der, expectTag(serial, TAG_INTEGER, `${what} entry serial`))),
        );
      }
      i++;
    }
    this.revoked = revoked;
    const extensions = crlExtensions(der, parts[i], what);
    this.crlNumber = crlNumberOf(extensions.get(OID_CRL_NUMBER));
    this.authorityKeyIdentifier = keyIdentifierOf(extensions.get(OID_AUTHORITY_KEY_IDENTIFIER));
    this.tbs = whole(der, tbsElement!);
    this.signatureHash = ecdsaHashOf(algorithmOid(der, sigAlg!, `${what} signature algorithm`));
    this.signature = bitStringBytes(der, sigValue!, `${what} signature`);
  }

  /** Revoked serial numbers as lowercase hex without leading zero bytes. */
  get revokedSerials(): ReadonlySet<string> {
    this.revokedHex ??= new Set(this.revoked.map(integerHex));
    return this.revokedHex;
  }

  /** Is the certificate's serial listed? Compared as integers (leading zero bytes ignored). */
  isRevoked(certificate: ParsedCertificate): boolean {
    const serial = withoutLeadingZeros(certificate.fields.serial);
    return this.revoked.some((entry) => bytesEqual(entry, serial));
  }

  /** Current at `time`: thisUpdate ≤ time ≤ nextUpdate (a CRL without nextUpdate never expires). */
  currentAt(time: Date): boolean {
    return this.thisUpdate <= time && (!this.nextUpdate || time <= this.nextUpdate);
  }

  isSignedBy(issuer: ParsedCertificate): boolean {
    return signatureChecks.get(
      this,
      issuer,
      () =>
        bytesEqual(this.issuer, issuer.fields.subject) &&
        verifySignature(this.signatureHash, this.tbs, issuer.publicKey, this.signature),
    );
  }
}

const OID_CRL_NUMBER = "2.5.29.20";
const OID_AUTHORITY_KEY_IDENTIFIER = "2.5.29.35";
const TAG_CRL_EXTENSIONS = 0xa0;
const TAG_KEY_IDENTIFIER = 0x80;

/** extnValue contents of each CRL extension, by OID. */
function crlExtensions(
  der: Uint8Array,
  element: DerElement | undefined,
  what: string,
): Map<string, Uint8Array> {
  const extensions = new Map<string, Uint8Array>();
  if (!element || element.tag !== TAG_CRL_EXTENSIONS) return extensions;
  const [list] = children(der, element, what);
  for (const extension of children(der, expectTag(list, TAG_SEQUENCE, `${what} extensions`), what)) {
    const fields = children(der, expectTag(extension, TAG_SEQUENCE, `${what} extension`), what);
    const oid = decodeOid(valueOf(der, expectTag(fields[0], TAG_OID, `${what} extension`)));
    const value = expectTag(fields[fields.length - 1], TAG_OCTET_STRING, `${what} extension ${oid}`);
    extensions.set(oid, valueOf(der, value));
  }
  return extensions;
}

function crlNumberOf(value: Uint8Array | undefined): string | undefined {
  if (!value) return undefined;
  const root = readRoot(value, "CRL number");
  const number = valueOf(value, root);
  if (root.tag !== TAG_INTEGER || number.length === 0 || (number[0]! & 0x80) !== 0) return undefined;
  return integerHex(number);
}

function keyIdentifierOf(value: Uint8Array | undefined): Uint8Array | undefined {
  if (!value) return undefined;
  const aki = readRoot(value, "authority key identifier");
  const keyIdentifier = children(
    value,
    expectTag(aki, TAG_SEQUENCE, "authority key identifier"),
    "authority key identifier",
  ).find((part) => part.tag === TAG_KEY_IDENTIFIER);
  return keyIdentifier ? valueOf(value, keyIdentifier) : undefined;
}

function withoutLeadingZeros(integer: Uint8Array): Uint8Array {
  let i = 0;
  while (i < integer.length - 1 && integer[i] === 0) i++;
  return integer.subarray(i);
}

// "CRL L verifies with issuer I's key", per pair of parsed objects.
const signatureChecks = new PairMemo<ParsedCrl, ParsedCertificate, boolean>();

// Keyed by the exact text or bytes; two maps, so no key is ever built by concatenation (a new
// string would be re-hashed on every lookup).
const crlsByText = new ContentCache<ParsedCrl>(64);
const crlsByDer = new ContentCache<ParsedCrl>(64);

/** Parses a CRL given as PEM or hex of its DER, reusing the parse of identical text. */
export function parseCrl(text: string, what: string): ParsedCrl {
  return crlsByText.get(text, () => new ParsedCrl(crlDerFromText(text, what), what));
}

export function parseCrlDer(der: Uint8Array, what: string): ParsedCrl {
  return crlsByDer.get(bytesKey(der), () => new ParsedCrl(ownedCopy(der), what));
}

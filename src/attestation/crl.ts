// A parsed X.509 CRL (RFC 5280 CertificateList): issuer, thisUpdate/nextUpdate, revoked serials,
// and "is it signed by that CA" (memoised per issuer).
import { bytesKey, ContentCache } from "./cache.js";
import { algorithmOid, bitStringBytes, ecdsaHashOf } from "./certificateFields.js";
import { verifySignature, type ParsedCertificate } from "./certificate.js";
import {
  children,
  decodeTime,
  expectTag,
  integerHex,
  readRoot,
  TAG_GENERALIZED_TIME,
  TAG_INTEGER,
  TAG_SEQUENCE,
  TAG_UTC_TIME,
  valueOf,
  whole,
} from "./der.js";
import { bytesEqual } from "./bytes.js";
import { crlDerFromText } from "./pem.js";

export class ParsedCrl {
  readonly tbs: Uint8Array;
  readonly issuer: Uint8Array;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly revokedSerials: ReadonlySet<string>;
  private readonly signatureHash: string | undefined;
  private readonly signature: Uint8Array;
  private readonly signedBy = new WeakMap<ParsedCertificate, boolean>();

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
    const revoked = new Set<string>();
    const list = parts[i];
    if (list && list.tag === TAG_SEQUENCE) {
      for (const entry of children(der, list, what)) {
        const [serial] = children(der, expectTag(entry, TAG_SEQUENCE, `${what} entry`), what);
        revoked.add(integerHex(valueOf(der, expectTag(serial, TAG_INTEGER, `${what} entry serial`))));
      }
    }
    this.revokedSerials = revoked;
    this.tbs = whole(der, tbsElement!);
    this.signatureHash = ecdsaHashOf(algorithmOid(der, sigAlg!, `${what} signature algorithm`));
    this.signature = bitStringBytes(der, sigValue!, `${what} signature`);
  }

  isRevoked(certificate: ParsedCertificate): boolean {
    return this.revokedSerials.has(certificate.fields.serialHex);
  }

  /** Current at `time`: thisUpdate ≤ time ≤ nextUpdate (a CRL without nextUpdate never expires). */
  currentAt(time: Date): boolean {
    return this.thisUpdate <= time && (!this.nextUpdate || time <= this.nextUpdate);
  }

  isSignedBy(issuer: ParsedCertificate): boolean {
    let ok = this.signedBy.get(issuer);
    if (ok === undefined) {
      ok =
        bytesEqual(this.issuer, issuer.fields.subject) &&
        verifySignature(this.signatureHash, this.tbs, issuer.publicKey, this.signature);
      this.signedBy.set(issuer, ok);
    }
    return ok;
  }
}

// Keyed by the exact text or bytes; two maps, so no key is ever built by concatenation (a new
// string would be re-hashed on every lookup).
const crlsByText = new ContentCache<ParsedCrl>(64);
const crlsByDer = new ContentCache<ParsedCrl>(64);

/** Parses a CRL given as PEM or hex of its DER, reusing the parse of identical text. */
export function parseCrl(text: string, what: string): ParsedCrl {
  return crlsByText.get(text, () => new ParsedCrl(crlDerFromText(text, what), what));
}

export function parseCrlDer(der: Uint8Array, what: string): ParsedCrl {
  return crlsByDer.get(bytesKey(der), () => new ParsedCrl(der.slice(), what));
}

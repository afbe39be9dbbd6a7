// A parsed X.509 certificate with what verification asks of it: its public key, names, validity,
// CA flag, PCK extension, and "is it signed by that issuer" (memoised per issuer).
import { createHash, createPublicKey, verify, type KeyObject } from "node:crypto";
import { bytesKey, ContentCache, ownedCopy, PairMemo } from "./cache.js";
import { certificateFields, keyUsageAllows, type CertificateFields } from "./certificateFields.js";
import { children, expectTag, readRoot, TAG_BOOLEAN, TAG_OCTET_STRING, valueOf } from "./der.js";
import { AttestationFormatError } from "./errors.js";
import { commonName, nameAttributes, OID_COMMON_NAME, type DistinguishedName } from "./names.js";
import { parseSgxExtensionValue, OID_SGX_EXTENSION, type PckExtension } from "./pck.js";
import { bytesEqual } from "./bytes.js";
import { INTEL_SGX_ISSUER_KEYS, INTEL_SGX_ROOT_CA_DER, INTEL_SGX_ROOT_CA_SHA256 } from "./roots.js";

// SubjectPublicKeyInfo prefix of an uncompressed P-256 key (id-ecPublicKey, prime256v1, BIT STRING 04).
const P256_SPKI_PREFIX = Buffer.from("3059301306072a8648ce3d020106082a8648ce3d03010703420004", "hex");

/**
 * A P-256 public key from its raw x‖y (64 bytes), as quotes carry the attestation key. JWK import
 * is the cheapest way OpenSSL 3 offers to build an EC key object.
 */
export function p256PublicKey(xy: Uint8Array): KeyObject {
  if (xy.length !== 64)
    throw new AttestationFormatError(`P-256 public key must be 64 bytes, got ${xy.length}`);
  const b = Buffer.from(xy.buffer, xy.byteOffset, 64);
  try {
    return createPublicKey({
      key: {
        kty: "EC",
        crv: "P-256",
        x: b.subarray(0, 32).toString("base64url"),
        y: b.subarray(32).toString("base64url"),
      },
      format: "jwk",
    });
  } catch (cause) {
    // OpenSSL refuses a point that is not on the curve.
    throw new AttestationFormatError("P-256 public key is not a point on the curve", { cause });
  }
}

export function publicKeyFromSpki(spki: Uint8Array): KeyObject {
  if (spki.length === 91 && bytesEqual(spki.subarray(0, 27), P256_SPKI_PREFIX)) {
    return p256PublicKey(spki.subarray(27));
  }
  try {
    return createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch (cause) {
    throw new AttestationFormatError("certificate public key cannot be read", { cause });
  }
}

/** The uncompressed point 04‖x‖y (65 bytes) of an EC P-256 SubjectPublicKeyInfo. */
export function p256PointFromSpki(spki: Uint8Array): Uint8Array {
  if (spki.length === 91 && bytesEqual(spki.subarray(0, 27), P256_SPKI_PREFIX)) return spki.slice(26);
  const jwk = publicKeyFromSpki(spki).export({ format: "jwk" });
  if (jwk.kty !== "EC" || jwk.crv !== "P-256" || !jwk.x || !jwk.y) {
    throw new AttestationFormatError("certificate key is not an EC P-256 key");
  }
  return Uint8Array.from([4, ...Buffer.from(jwk.x, "base64url"), ...Buffer.from(jwk.y, "base64url")]);
}

/**
 * Intel's root, PCK CA and TCB Signing keys, imported once at load (as DER, which OpenSSL keeps in
 * the form its verifications use): a certificate with one of these exact public keys needs no key
 * import of its own.
 */
const intelKeys: ReadonlyArray<{ spki: Uint8Array; key: KeyObject }> = [
  certificateFields(INTEL_SGX_ROOT_CA_DER, "Intel SGX Root CA").spki,
  ...Object.values(INTEL_SGX_ISSUER_KEYS).map((point) =>
    Buffer.concat([P256_SPKI_PREFIX, Buffer.from(point, "hex").subarray(1)]),
  ),
].map((spki) => ({ spki, key: createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" }) }));

function intelKey(spki: Uint8Array): KeyObject | undefined {
  if (spki.length !== 91) return undefined;
  // The 27-byte prefix is shared: compare from the end, where the keys differ.
  for (const known of intelKeys) {
    let i = 90;
    while (i >= 0 && known.spki[i] === spki[i]) i--;
    if (i < 0) return known.key;
  }
  return undefined;
}

export class ParsedCertificate {
  readonly fields: CertificateFields;
  private key: KeyObject | undefined;
  private pck: PckExtension | undefined;
  private fingerprintHex: string | undefined;
  private subjectCn: string | undefined;
  private issuerCn: string | undefined;
  private subjectDn: DistinguishedName | undefined;
  private keyId: Uint8Array | null | undefined;
  private ca: boolean | undefined;
  private readonly keyUsage = new Map<number, boolean>();

  constructor(
    readonly der: Uint8Array,
    what = "certificate",
  ) {
    this.fields = certificateFields(der, what);
  }

  get publicKey(): KeyObject {
    this.key ??= intelKey(this.fields.spki) ?? publicKeyFromSpki(this.fields.spki);
    return this.key;
  }

  get fingerprint(): string {
    this.fingerprintHex ??= createHash("sha256").update(this.der).digest("hex");
    return this.fingerprintHex;
  }

  get subjectCommonName(): string {
    // From the subject's attributes, which signer rules read too: the name is parsed once.
    this.subjectCn ??= this.subjectName.find((a) => a.type === OID_COMMON_NAME)?.value ?? "";
    return this.subjectCn;
  }

  /** The subject's attributes, compared as Intel's QVL compares names. */
  get subjectName(): DistinguishedName {
    this.subjectDn ??= nameAttributes(this.fields.subject);
    return this.subjectDn;
  }

  /** subjectKeyIdentifier (2.5.29.14), which CRLs name their issuer by. */
  get subjectKeyIdentifier(): Uint8Array | undefined {
    if (this.keyId === undefined) {
      const ext = this.fields.extensions.get("2.5.29.14");
      this.keyId = ext
        ? valueOf(
            ext.value,
            expectTag(readRoot(ext.value, "subjectKeyIdentifier"), TAG_OCTET_STRING, "subjectKeyIdentifier"),
          )
        : null;
    }
    return this.keyId ?? undefined;
  }

  get issuerCommonName(): string {
    this.issuerCn ??= commonName(this.fields.issuer);
    return this.issuerCn;
  }

  /** basicConstraints cA (2.5.29.19). */
  get isCa(): boolean {
    if (this.ca === undefined) {
      const ext = this.fields.extensions.get("2.5.29.19");
      if (!ext) this.ca = false;
      else {
        const [first] = children(ext.value, readRoot(ext.value, "basicConstraints"), "basicConstraints");
        this.ca = first?.tag === TAG_BOOLEAN && ext.value[first.valueStart] !== 0;
      }
    }
    return this.ca;
  }

  /** May this key make signatures (bit 0), sign certificates (bit 5) or CRLs (bit 6)? Absent keyUsage allows. */
  mayUseKeyFor(bit: 0 | 5 | 6): boolean {
    let allowed = this.keyUsage.get(bit);
    if (allowed === undefined) {
      allowed = keyUsageAllows(this.fields, bit) !== false;
      this.keyUsage.set(bit, allowed);
    }
    return allowed;
  }

  get pckExtension(): PckExtension {
    if (!this.pck) {
      const ext = this.fields.extensions.get(OID_SGX_EXTENSION);
      if (!ext) {
        throw new AttestationFormatError(
          `certificate "${this.subjectCommonName}" has no SGX extension (${OID_SGX_EXTENSION})`,
        );
      }
      this.pck = parseSgxExtensionValue(ext.value);
    }
    return this.pck;
  }

  validAt(time: Date): boolean {
    return this.fields.notBefore <= time && time <= this.fields.notAfter;
  }

  isSameAs(other: ParsedCertificate): boolean {
    return other === this || bytesEqual(this.der, other.der);
  }

  /** The issuer's subject is this certificate's issuer and its key verifies the signature. */
  isSignedBy(issuer: ParsedCertificate): boolean {
    // The pinned root's self-signature is a fact about constant bytes, verified at load.
    if (this === intelRoot && issuer === intelRoot) return true;
    return signatureChecks.get(
      this,
      issuer,
      () =>
        bytesEqual(this.fields.issuer, issuer.fields.subject) &&
        verifySignature(this.fields.signatureHash, this.fields.tbs, issuer.publicKey, this.fields.signature),
    );
  }
}

/** ECDSA verification of DER signatures; an unsupported algorithm or malformed signature is `false`. */
export function verifySignature(
  hash: string | undefined,
  data: Uint8Array,
  key: KeyObject,
  signature: Uint8Array,
): boolean {
  if (!hash) return false;
  try {
    return verify(hash, data, key, signature);
  } catch {
    return false;
  }
}

// "Certificate C verifies with issuer I's key", per pair of parsed certificates.
const signatureChecks = new PairMemo<ParsedCertificate, ParsedCertificate, boolean>();
const certificates = new ContentCache<ParsedCertificate>(512);

/**
 * The pinned Intel SGX Root CA, prepared once at load like any constant of the program: parsed,
 * its key imported, its key identifier and name read, its self-signature verified. None of this
 * depends on the input, so no cache holds it and none needs clearing.
 */
function preparePinnedRoot(): ParsedCertificate {
  const root = new ParsedCertificate(INTEL_SGX_ROOT_CA_DER, "Intel SGX Root CA");
  if (root.fingerprint !== INTEL_SGX_ROOT_CA_SHA256) throw new Error("pinned root CA mismatch");
  const { fields } = root;
  if (!verifySignature(fields.signatureHash, fields.tbs, root.publicKey, fields.signature)) {
    throw new Error("the pinned Intel SGX Root CA's self-signature does not verify");
  }
  void [root.subjectKeyIdentifier, root.subjectName, root.subjectCommonName, root.isCa];
  for (const bit of [0, 5, 6] as const) root.mayUseKeyFor(bit);
  return root;
}
const intelRoot = preparePinnedRoot();

export function intelSgxRootCa(): ParsedCertificate {
  return intelRoot;
}

/** Parses a DER certificate, reusing the parse of identical bytes. */
export function parseCertificate(der: Uint8Array, what = "certificate"): ParsedCertificate {
  if (der.length === INTEL_SGX_ROOT_CA_DER.length && bytesEqual(der, INTEL_SGX_ROOT_CA_DER)) {
    return intelSgxRootCa();
  }
  return certificates.get(bytesKey(der), () => new ParsedCertificate(ownedCopy(der), what));
}

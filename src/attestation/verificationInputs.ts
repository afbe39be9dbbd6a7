// The parsed and verified inputs of a quote verification, memoised by content (see cache.ts):
// issuer chains, the quote's PCK chain, signed TCB info and QE identities, attestation keys, and
// the signature checks over them, so that every quote of one platform reuses its collateral's work.
import { verify as verifySignatureRaw, type KeyObject } from "node:crypto";
import { bytesKey, ContentCache, ownedCopy, PairMemo } from "./cache.js";
import { p256PublicKey, parseCertificate, type ParsedCertificate } from "./certificate.js";
import { parseEnclaveIdentity, type EnclaveIdentity } from "./enclaveIdentity.js";
import { certificatesFromPem } from "./pem.js";
import { certificationChainDers, type QeCertificationData } from "./quote.js";
import { parseSignedJson, type SignedJson } from "./signedJson.js";
import { parseTcbInfo, type TcbInfo } from "./tcbInfo.js";

/** A signed TCB info or QE identity: the exact signed text and its parsed value. */
export interface ParsedSigned<T> {
  signed: SignedJson;
  value: T;
}

const chains = new ContentCache<ParsedCertificate[]>(128);
const quoteChains = new ContentCache<ParsedCertificate[]>(256);
const tcbInfos = new ContentCache<ParsedSigned<TcbInfo>>(64);
const qeIdentities = new ContentCache<ParsedSigned<EnclaveIdentity>>(64);
const attestationKeys = new ContentCache<KeyObject>(256);

/** ECDSA-P256 over SHA-256 with an r‖s signature, as quotes and signed JSON carry them. */
export function ecdsaP1363(data: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  try {
    return verifySignatureRaw("sha256", data, { key, dsaEncoding: "ieee-p1363" }, signature);
  } catch {
    return false;
  }
}

/** A PEM issuer chain from the collateral, leaf first. */
export function parseChain(text: string, what: string): ParsedCertificate[] {
  return chains.get(text, () =>
    certificatesFromPem(text, what).map((der, i) => parseCertificate(der, `${what} #${i + 1}`)),
  );
}

/** The PCK certificate chain a quote carries (certification data type 5). */
export function parseQuoteChain(certificationData: QeCertificationData): ParsedCertificate[] {
  return quoteChains.get(bytesKey(certificationData.data), () =>
    certificationChainDers(certificationData).map((der, i) =>
      parseCertificate(der, `quote PCK chain #${i + 1}`),
    ),
  );
}

function parseSigned<T>(
  cache: ContentCache<ParsedSigned<T>>,
  body: string,
  key: "tcbInfo" | "enclaveIdentity",
  what: string,
  parse: (value: unknown) => T,
): ParsedSigned<T> {
  return cache.get(body, () => {
    const signed = parseSignedJson(body, key, what);
    return { signed, value: parse(signed.value) };
  });
}

export function parseSignedTcbInfo(body: string): ParsedSigned<TcbInfo> {
  return parseSigned(tcbInfos, body, "tcbInfo", "TCB info", parseTcbInfo);
}

export function parseSignedQeIdentity(body: string): ParsedSigned<EnclaveIdentity> {
  return parseSigned(qeIdentities, body, "enclaveIdentity", "QE identity", parseEnclaveIdentity);
}

// "This signed JSON verifies with that certificate's key", per pair of parsed objects.
const signedJsonChecks = new PairMemo<ParsedSigned<unknown>, ParsedCertificate, boolean>();

export function signedJsonVerifies<T>(parsed: ParsedSigned<T>, signer: ParsedCertificate): boolean {
  return signedJsonChecks.get(parsed, signer, () =>
    ecdsaP1363(Buffer.from(parsed.signed.signedText, "utf8"), signer.publicKey, parsed.signed.signature),
  );
}

export function attestationKey(xy: Uint8Array): KeyObject {
  return attestationKeys.get(bytesKey(xy), () => p256PublicKey(xy));
}

// The QE report and its signature are the same in every quote one platform produces (they certify
// the attestation key, not the application enclave), so their check is memoised like collateral:
// keyed on the exact report (fixed size) and signature bytes, and on the parsed PCK certificate.
interface SignedBytes {
  data: Uint8Array;
  signature: Uint8Array;
}
const qeReports = new ContentCache<SignedBytes>(256);
const qeReportChecks = new PairMemo<SignedBytes, ParsedCertificate, boolean>();

export function qeReportVerifies(report: Uint8Array, signature: Uint8Array, pck: ParsedCertificate): boolean {
  const signed = qeReports.get(bytesKey(report) + bytesKey(signature), () => ({
    data: ownedCopy(report),
    signature: ownedCopy(signature),
  }));
  return qeReportChecks.get(signed, pck, () => ecdsaP1363(signed.data, pck.publicKey, signed.signature));
}

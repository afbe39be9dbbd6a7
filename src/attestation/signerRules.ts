// Who may sign what, as Intel's QVL decides it (TCBSigningChain, PckCrlVerifier): TCB info and QE
// identities only the TCB Signing certificate, issued by the root; each CRL only the CA it names,
// in Intel's CRL profile; the PCK CRL issuer chain only [PCK CA, root], that CA being the quote's.
// Each rule returns why it refuses, naming Intel's status, or undefined.
import { bytesEqual, toHex } from "./bytes.js";
import type { ParsedCertificate } from "./certificate.js";
import type { ParsedCrl } from "./crl.js";
import { commonName, formatName, sameName } from "./names.js";
import { isAnchor, rootName, type Trust } from "./trust.js";
import { describeCert } from "./verificationReport.js";

/** The chain's last certificate is the trusted root, its self-signature intact. */
function rootFailure(chain: ParsedCertificate[], trust: Trust, status: string): string | undefined {
  const root = chain[chain.length - 1]!;
  if (!isAnchor(root, trust.root)) {
    return `the chain ends at ${describeCert(root)} (SHA-256 ${root.fingerprint}), not at ${rootName(trust.mode)} (Intel QVL: ${status})`;
  }
  if (!root.isSignedBy(trust.root)) return "the root certificate's self-signature does not verify";
  return undefined;
}

/**
 * TCB info and QE identities: the issuer chain is exactly [TCB Signing, Root]; the signer bears the
 * TCB Signing name, is no CA, may sign, is issued and signed by the trusted root and is not on the
 * root CA CRL (`rootCrl`, when it verified). A PCK certificate, a PCK CA or any other certificate
 * of the root must never sign collateral.
 */
export function tcbSigningChainFailure(
  chain: ParsedCertificate[],
  trust: Trust,
  rootCrl: ParsedCrl | undefined,
): string | undefined {
  const expected = formatName(trust.tcbSigningName);
  if (chain.length !== 2) {
    return `the issuer chain has ${chain.length} certificate(s); only [${expected}, root CA] may sign collateral (Intel QVL: UNSUPPORTED_CERT_FORMAT)`;
  }
  const notTrusted = rootFailure(chain, trust, "SGX_ROOT_CA_MISSING");
  if (notTrusted) return notTrusted;
  const signer = chain[0]!;
  if (!sameName(signer.subjectName, trust.tcbSigningName)) {
    return `the collateral is signed by "${formatName(signer.subjectName)}", but only "${expected}" may sign it (Intel QVL: SGX_TCB_SIGNING_CERT_MISSING)`;
  }
  if (signer.isCa || !signer.mayUseKeyFor(0)) {
    return `the TCB Signing certificate ${describeCert(signer)} is a CA or may not make signatures (Intel QVL: UNSUPPORTED_CERT_FORMAT)`;
  }
  if (!signer.isSignedBy(trust.root)) {
    return `the TCB Signing certificate ${describeCert(signer)} is not issued and signed by ${rootName(trust.mode)} (Intel QVL: SGX_TCB_SIGNING_CERT_INVALID_ISSUER)`;
  }
  if (rootCrl?.isRevoked(signer)) {
    return `the TCB Signing certificate (serial ${signer.fields.serialHex}) is revoked by the root CA CRL (Intel QVL: SGX_TCB_SIGNING_CERT_REVOKED)`;
  }
  return undefined;
}

/**
 * The PCK CRL issuer chain is exactly [PCK CA, root]: the CA issued and signed by the trusted root,
 * and the very CA that issued the quote's PCK certificate — same name and key, whatever its bytes
 * (Intel re-issues its CA certificates with new validity).
 */
export function pckCrlIssuerChainFailure(
  chain: ParsedCertificate[],
  trust: Trust,
  quotePckCa: ParsedCertificate,
): string | undefined {
  if (chain.length !== 2) {
    return `the PCK CRL issuer chain has ${chain.length} certificate(s); it must be [PCK CA, root CA] (Intel QVL: SGX_CA_CERT_UNSUPPORTED_FORMAT)`;
  }
  const notTrusted = rootFailure(chain, trust, "SGX_ROOT_CA_UNTRUSTED");
  if (notTrusted) return notTrusted;
  const ca = chain[0]!;
  if (!ca.isCa || !ca.mayUseKeyFor(6)) {
    return `${describeCert(ca)} is not a CA that may sign CRLs (Intel QVL: SGX_CA_CERT_INVALID)`;
  }
  if (!ca.isSignedBy(trust.root)) {
    return `${describeCert(ca)} is not issued and signed by ${rootName(trust.mode)} (Intel QVL: SGX_CA_CERT_INVALID)`;
  }
  if (
    !ca.isSameAs(quotePckCa) &&
    (!sameName(ca.subjectName, quotePckCa.subjectName) || !bytesEqual(ca.fields.spki, quotePckCa.fields.spki))
  ) {
    return `the PCK CRL issuer chain names ${describeCert(ca)}, not the quote's PCK CA ${describeCert(quotePckCa)} (another name or key)`;
  }
  return undefined;
}

/**
 * A CRL in Intel's profile, signed by `issuer`: its issuer name is the CA's subject, it carries a
 * CRL number and an authority key identifier naming the CA's key, and its signature verifies.
 */
export function crlFailure(crl: ParsedCrl, issuer: ParsedCertificate, what: string): string | undefined {
  if (!bytesEqual(crl.issuer, issuer.fields.subject)) {
    return `the ${what} is issued by "${commonName(crl.issuer) || "(no CN)"}", not by ${describeCert(issuer)} (Intel QVL: SGX_CRL_UNKNOWN_ISSUER)`;
  }
  if (crl.crlNumber === undefined) {
    return `the ${what} has no CRL number (Intel QVL: SGX_CRL_INVALID_EXTENSIONS)`;
  }
  const keyId = crl.authorityKeyIdentifier;
  if (keyId === undefined) {
    return `the ${what} has no authority key identifier (Intel QVL: SGX_CRL_INVALID_EXTENSIONS)`;
  }
  const issuerKeyId = issuer.subjectKeyIdentifier;
  if (issuerKeyId !== undefined && !bytesEqual(keyId, issuerKeyId)) {
    return `the ${what}'s authority key identifier ${toHex(keyId)} is not ${describeCert(issuer)}'s key ${toHex(issuerKeyId)}`;
  }
  if (!issuer.mayUseKeyFor(6)) return `${describeCert(issuer)} may not sign CRLs`;
  if (!crl.isSignedBy(issuer)) {
    return `the ${what} signature does not verify with ${describeCert(issuer)}'s key (Intel QVL: SGX_CRL_INVALID_SIGNATURE)`;
  }
  return undefined;
}

// What a verification trusts: the root CA (the pinned Intel SGX Root CA; another root only in
// simulation) and the name of the one certificate that may sign collateral (Intel's TCB Signing
// certificate, or its stand-in under the simulation root).
import { bytesEqual } from "./bytes.js";
import { parseCertificate, type ParsedCertificate } from "./certificate.js";
import { AttestationFormatError } from "./errors.js";
import { formatName, nameAttributes, sameName, type DistinguishedName } from "./names.js";
import { INTEL_SGX_ROOT_CA_DER, INTEL_SGX_ROOT_CA_SHA256, INTEL_SGX_TCB_SIGNING_NAME } from "./roots.js";

export type TrustMode = "sgx" | "simulation";

export interface Trust {
  mode: TrustMode;
  root: ParsedCertificate;
  /** The subject of the only certificate allowed to sign TCB info and QE identities. */
  tcbSigningName: DistinguishedName;
}

export interface TrustOptions {
  /** "simulation" is required to trust any root other than Intel's. */
  trustMode?: TrustMode;
  /** DER of the trust anchor; defaults to the pinned Intel SGX Root CA. */
  trustedRoot?: Uint8Array;
  /** DER Name of the collateral signer under that root; defaults to Intel's TCB Signing name. */
  tcbSigningName?: Uint8Array;
}

/** The trust of a verification, checked against its mode: only "simulation" may trust others than Intel. */
export function resolveTrust(options: TrustOptions): Trust {
  const mode: TrustMode = options.trustMode ?? "sgx";
  const root = parseCertificate(options.trustedRoot ?? INTEL_SGX_ROOT_CA_DER, "trusted root CA");
  const tcbSigningName = options.tcbSigningName
    ? nameAttributes(options.tcbSigningName)
    : INTEL_SGX_TCB_SIGNING_NAME;
  if (mode === "sgx" && root.fingerprint !== INTEL_SGX_ROOT_CA_SHA256) {
    throw new AttestationFormatError(
      `trust mode "sgx" trusts only the Intel SGX Root CA (SHA-256 ${INTEL_SGX_ROOT_CA_SHA256}); a different root requires trust mode "simulation"`,
    );
  }
  if (mode === "sgx" && !sameName(tcbSigningName, INTEL_SGX_TCB_SIGNING_NAME)) {
    throw new AttestationFormatError(
      `trust mode "sgx" accepts collateral signed only by "${formatName(INTEL_SGX_TCB_SIGNING_NAME)}"; another signer requires trust mode "simulation"`,
    );
  }
  return { mode, root, tcbSigningName };
}

export function rootName(mode: TrustMode): string {
  return mode === "sgx" ? "the Intel SGX Root CA" : "the trusted simulation root CA";
}

/** Same subject and key as the anchor: the anchor itself, even if re-encoded or re-issued. */
export function isAnchor(cert: ParsedCertificate, anchor: ParsedCertificate): boolean {
  return (
    cert.isSameAs(anchor) ||
    (bytesEqual(cert.fields.subject, anchor.fields.subject) &&
      bytesEqual(cert.fields.spki, anchor.fields.spki))
  );
}

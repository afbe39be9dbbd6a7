// The trust anchor of Intel SGX DCAP attestation: the Intel SGX Root CA, pinned in the source.
import { createHash } from "node:crypto";
import { distinguishedName, type DistinguishedName } from "./names.js";
import { certificatesFromPem } from "./pem.js";

/** SHA-256 of the DER of the Intel SGX Root CA (CN=Intel SGX Root CA, valid 2018-05-21..2049-12-31). */
export const INTEL_SGX_ROOT_CA_SHA256 = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

export const INTEL_SGX_ROOT_CA_PEM = `-----BEGIN CERTIFICATE-----
MIICjzCCAjSgAwIBAgIUImUM1lqdNInzg7SVUr9QGzknBqwwCgYIKoZIzj0EAwIw
aDEaMBgGA1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENv
cnBvcmF0aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJ
BgNVBAYTAlVTMB4XDTE4MDUyMTEwNDUxMFoXDTQ5MTIzMTIzNTk1OVowaDEaMBgG
A1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENvcnBvcmF0
aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJBgNVBAYT
AlVTMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEC6nEwMDIYZOj/iPWsCzaEKi7
1OiOSLRFhWGjbnBVJfVnkY4u3IjkDYYL0MxO4mqsyYjlBalTVYxFP2sJBK5zlKOB
uzCBuDAfBgNVHSMEGDAWgBQiZQzWWp00ifODtJVSv1AbOScGrDBSBgNVHR8ESzBJ
MEegRaBDhkFodHRwczovL2NlcnRpZmljYXRlcy50cnVzdGVkc2VydmljZXMuaW50
ZWwuY29tL0ludGVsU0dYUm9vdENBLmRlcjAdBgNVHQ4EFgQUImUM1lqdNInzg7SV
Ur9QGzknBqwwDgYDVR0PAQH/BAQDAgEGMBIGA1UdEwEB/wQIMAYBAf8CAQEwCgYI
KoZIzj0EAwIDSQAwRgIhAOW/5QkR+S9CiSDcNoowLuPRLsWGf/Yi7GSX94BgwTwg
AiEA4J0lrHoMs+Xo5o/sX6O9QWxHRAvZUGOdRQ7cvqRXaqI=
-----END CERTIFICATE-----
`;

export const INTEL_SGX_ROOT_CA_DER: Uint8Array = certificatesFromPem(
  INTEL_SGX_ROOT_CA_PEM,
  "Intel SGX Root CA",
)[0]!;

// A typo in the PEM above must never silently change the anchor.
if (createHash("sha256").update(INTEL_SGX_ROOT_CA_DER).digest("hex") !== INTEL_SGX_ROOT_CA_SHA256) {
  throw new Error("the pinned Intel SGX Root CA does not match its SHA-256 fingerprint");
}

/**
 * The subject of Intel's SGX TCB Signing certificate, the only certificate Intel's QVL accepts as
 * signer of TCB info and QE identities (re-issued with new validity, the name and key stay).
 */
export const INTEL_SGX_TCB_SIGNING_NAME: DistinguishedName = distinguishedName(
  "CN=Intel SGX TCB Signing, O=Intel Corporation, L=Santa Clara, ST=CA, C=US",
);

/**
 * The keys of the certificates Intel's root issues for DCAP, as uncompressed P-256 points: both
 * PCK CAs (every PCK certificate is issued by one of them) and the TCB Signing certificate (the
 * only signer of collateral). Intel re-issues these certificates with new validity and the same
 * key, so the keys are constants like the root. They are only a ready-made key for identical
 * public key bytes: the certificates carrying them are checked exactly as any other.
 */
export const INTEL_SGX_ISSUER_KEYS: Readonly<Record<string, string>> = {
  "Intel SGX PCK Platform CA":
    "0435207feeddb595748ed82bb3a71c3be1e241ef61320c6816e6b5c2b71dad5532eaea12a4eb3f948916429ea47ba6c3af82a15e4b19664e52657939a2d96633de",
  "Intel SGX PCK Processor CA":
    "04bf6af8d329d883a0b5d9756e4fee599e7e4c6426f1a0a2f33efc7ecf9f28243777eb83cd79d54c04f66610c289fc88b89c2f377c0d069f621c1492309309ac13",
  "Intel SGX TCB Signing":
    "0443451bcc73c9d5917caf766e61af3fe98087dd4f13257b261e851897799dd13d6811fb47713803bb9bae587fccddc2e31be9a28b86962acc6daf96da58eeca96",
};

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

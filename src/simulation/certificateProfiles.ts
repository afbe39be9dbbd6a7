// Intel's PCK certificate profiles (root CA, PCK CA, TCB signing, PCK leaf) applied to the simulation's own names and keys.
import "reflect-metadata";
import { randomBytes, type webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { SGX_EXTENSION_OID, encodeSgxExtension, type SgxExtensionFields } from "./sgxExtension.js";

/** Every name in the simulation PKI says what it is, so no one mistakes it for Intel's. */
export const SIMULATION_ORGANIZATION = "msehome simulation";
export const SIMULATION_COMMON_NAMES = {
  root: "msehome simulation SGX Root CA",
  platformCa: "msehome simulation SGX PCK Platform CA",
  processorCa: "msehome simulation SGX PCK Processor CA",
  tcbSigning: "msehome simulation SGX TCB Signing",
  pck: "msehome simulation SGX PCK Certificate",
} as const;

/** CRL distribution points name a host that can never resolve (RFC 2606): the PCCS serves the CRLs. */
export const SIMULATION_CRL_URLS = {
  root: "https://simulation.msehome.invalid/SimulationSGXRootCA.der",
  platformCa: "https://simulation.msehome.invalid/sgx/certification/v4/pckcrl?ca=platform&encoding=der",
  processorCa: "https://simulation.msehome.invalid/sgx/certification/v4/pckcrl?ca=processor&encoding=der",
} as const;

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

export const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** Intel's subject layout: CN, O, L, ST as UTF8String and C as PrintableString. */
export function simulationName(commonName: string): x509.Name {
  return new x509.Name([
    { CN: [{ utf8String: commonName }] },
    { O: [{ utf8String: SIMULATION_ORGANIZATION }] },
    { L: [{ utf8String: "Simulation" }] },
    { ST: [{ utf8String: "Simulation" }] },
    // ZZ is the ISO 3166 user-assigned code: no country.
    { C: [{ printableString: "ZZ" }] },
  ]);
}

/** Intel's serial numbers: 20 random bytes, kept positive. */
export function randomSerialNumber(): string {
  const bytes = randomBytes(20);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString("hex");
}

export interface Issuer {
  certificate: x509.X509Certificate;
  privateKey: CryptoKey;
}

interface Profile {
  subject: string;
  publicKey: CryptoKey;
  issuer: Issuer | { self: CryptoKey };
  notBefore: Date;
  notAfter: Date;
  crlUrl: string;
  ca: { pathLength: number } | false;
  extra?: x509.Extension[];
}

async function issue(profile: Profile): Promise<x509.X509Certificate> {
  const issuer = profile.issuer;
  const subject = simulationName(profile.subject);
  const issuerName = "self" in issuer ? subject : issuer.certificate.subjectName;
  const signingKey = "self" in issuer ? issuer.self : issuer.privateKey;
  const issuerKey = "self" in issuer ? profile.publicKey : issuer.certificate.publicKey;
  const usages = profile.ca
    ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign
    : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation;
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject,
    issuer: issuerName,
    notBefore: profile.notBefore,
    notAfter: profile.notAfter,
    publicKey: profile.publicKey,
    signingKey,
    signingAlgorithm: ECDSA_P256,
    // Intel's order: AKI, CRL distribution point, SKI, key usage, basic constraints, then the SGX extension.
    extensions: [
      await x509.AuthorityKeyIdentifierExtension.create(issuerKey),
      new x509.CRLDistributionPointsExtension([profile.crlUrl]),
      await x509.SubjectKeyIdentifierExtension.create(profile.publicKey),
      new x509.KeyUsagesExtension(usages, true),
      profile.ca
        ? new x509.BasicConstraintsExtension(true, profile.ca.pathLength, true)
        : new x509.BasicConstraintsExtension(false, undefined, true),
      ...(profile.extra ?? []),
    ],
  });
}

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

export function rootCaCertificate(keys: CryptoKeyPair, validity: Validity): Promise<x509.X509Certificate> {
  return issue({
    subject: SIMULATION_COMMON_NAMES.root,
    publicKey: keys.publicKey,
    issuer: { self: keys.privateKey },
    ...validity,
    crlUrl: SIMULATION_CRL_URLS.root,
    ca: { pathLength: 1 },
  });
}

export function pckCaCertificate(
  kind: "platform" | "processor",
  publicKey: CryptoKey,
  root: Issuer,
  validity: Validity,
): Promise<x509.X509Certificate> {
  return issue({
    subject: kind === "platform" ? SIMULATION_COMMON_NAMES.platformCa : SIMULATION_COMMON_NAMES.processorCa,
    publicKey,
    issuer: root,
    ...validity,
    crlUrl: SIMULATION_CRL_URLS.root,
    ca: { pathLength: 0 },
  });
}

export function tcbSigningCertificate(
  publicKey: CryptoKey,
  root: Issuer,
  validity: Validity,
): Promise<x509.X509Certificate> {
  return issue({
    subject: SIMULATION_COMMON_NAMES.tcbSigning,
    publicKey,
    issuer: root,
    ...validity,
    crlUrl: SIMULATION_CRL_URLS.root,
    ca: false,
  });
}

export function pckCertificate(
  publicKey: CryptoKey,
  platformCa: Issuer,
  validity: Validity,
  sgx: SgxExtensionFields,
): Promise<x509.X509Certificate> {
  return issue({
    subject: SIMULATION_COMMON_NAMES.pck,
    publicKey,
    issuer: platformCa,
    ...validity,
    crlUrl: SIMULATION_CRL_URLS.platformCa,
    ca: false,
    extra: [new x509.Extension(SGX_EXTENSION_OID, false, encodeSgxExtension(sgx))],
  });
}

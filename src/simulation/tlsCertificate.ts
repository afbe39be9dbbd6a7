// A throwaway self-signed TLS certificate for the simulated PCCS, as a fresh PCCS install makes one.
import "reflect-metadata";
import { isIP } from "node:net";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { ECDSA_P256, randomSerialNumber } from "./certificateProfiles.js";

export interface TlsIdentity {
  keyPem: string;
  certificatePem: string;
  /** SHA-256 of the certificate's DER, colon-separated hex, for clients that pin it. */
  fingerprint256: string;
}

export async function selfSignedTlsCertificate(host: string): Promise<TlsIdentity> {
  const keys = (await webcrypto.subtle.generateKey(ECDSA_P256, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const names = new Set(["localhost", "127.0.0.1", "::1", host]);
  const notBefore = new Date(Date.now() - 60_000);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: `CN=msehome simulated PCCS, O=msehome simulation`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 365 * 24 * 60 * 60 * 1000),
    keys,
    signingAlgorithm: ECDSA_P256,
    extensions: [
      new x509.SubjectAlternativeNameExtension(
        [...names]
          .filter(Boolean)
          .map((name) => (isIP(name) ? { type: "ip", value: name } : { type: "dns", value: name })),
      ),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const keyPem = x509.PemConverter.encode(
    await webcrypto.subtle.exportKey("pkcs8", keys.privateKey),
    "PRIVATE KEY",
  );
  const thumbprint = Buffer.from(await certificate.getThumbprint("SHA-256"))
    .toString("hex")
    .toUpperCase();
  return {
    keyPem,
    certificatePem: certificate.toString("pem"),
    fingerprint256: thumbprint.match(/../g)!.join(":"),
  };
}

// The RA-TLS certificate: self-signed X.509 v3 over an EC P-256 key, subject CN and first SAN = the
// first --san (spawn's --host), further SANs = the other --san names in order, notAfter =
// --expiration, with the enclave's DCAP quote in extension 1.2.840.113741.1337.6 (non-critical).
// The quote's report_data binds the certificate key and the enclave's X25519 key.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createHash, createPrivateKey, createPublicKey, randomBytes, webcrypto } from "node:crypto";
import { isIP } from "node:net";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type X509KeyPair = x509.X509CertificateCreateSelfSignedParams["keys"];

export const RATLS_QUOTE_OID = "1.2.840.113741.1337.6";

const EC_P256: webcrypto.EcKeyGenParams = { name: "ECDSA", namedCurve: "P-256" };

/** The certificate key: webcrypto handles for signing, PEM for Node's TLS server. */
export interface TlsKey {
  keys: webcrypto.CryptoKeyPair;
  privateKeyPem: string;
  /** Uncompressed EC point, 65 bytes (0x04 ‖ X ‖ Y). */
  publicKeyRaw: Uint8Array;
}

async function fromPrivateKeyPem(privateKeyPem: string): Promise<TlsKey> {
  const privateKey = createPrivateKey(privateKeyPem);
  if (privateKey.asymmetricKeyType !== "ec" || privateKey.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new Error("the stored TLS key is not an EC P-256 key");
  }
  const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });
  const spki = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  const keys = {
    privateKey: await webcrypto.subtle.importKey("pkcs8", pkcs8, EC_P256, true, ["sign"]),
    publicKey: await webcrypto.subtle.importKey("spki", spki, EC_P256, true, ["verify"]),
  };
  const publicKeyRaw = new Uint8Array(await webcrypto.subtle.exportKey("raw", keys.publicKey));
  return { keys, privateKeyPem, publicKeyRaw };
}

export async function generateTlsKey(): Promise<TlsKey> {
  const keys = (await webcrypto.subtle.generateKey(EC_P256, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  return fromPrivateKeyPem(
    createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }).export({
      type: "pkcs8",
      format: "pem",
    }) as string,
  );
}

export function importTlsKey(privateKeyPem: string): Promise<TlsKey> {
  return fromPrivateKeyPem(privateKeyPem);
}

/** report_data = SHA-256(uncompressed certificate key point) ‖ enclave X25519 public key. */
export function raTlsReportData(tlsPublicKeyRaw: Uint8Array, enclavePublicKey: Uint8Array): Uint8Array {
  if (tlsPublicKeyRaw.length !== 65 || tlsPublicKeyRaw[0] !== 0x04) {
    throw new Error("the certificate key must be an uncompressed P-256 point (65 bytes)");
  }
  if (enclavePublicKey.length !== 32) throw new Error("the enclave public key must be 32 bytes");
  const reportData = new Uint8Array(64);
  reportData.set(createHash("sha256").update(tlsPublicKeyRaw).digest(), 0);
  reportData.set(enclavePublicKey, 32);
  return reportData;
}

export interface RaTlsCertificateOptions {
  key: TlsKey;
  /** The certificate's name: subject CN and first SAN. */
  san: string;
  /** Further SANs, after it. */
  extraSans?: readonly string[];
  notAfter: Date;
  notBefore?: Date;
  quote: Uint8Array;
}

/** Builds and self-signs the certificate; returns it as PEM. */
export async function createRaTlsCertificate(options: RaTlsCertificateOptions): Promise<string> {
  const { key, san, quote } = options;
  const notBefore = options.notBefore ?? new Date(Math.floor(Date.now() / 1000) * 1000);
  if (options.notAfter.getTime() <= notBefore.getTime()) {
    throw new Error(`the expiration ${options.notAfter.toISOString()} is not after the certificate's start`);
  }
  const serial = randomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f; // positive INTEGER
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString("hex"),
    name: [{ CN: [san] }, { O: ["msehome enclave"] }],
    notBefore,
    notAfter: options.notAfter,
    keys: key.keys as unknown as X509KeyPair,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    extensions: [
      new x509.SubjectAlternativeNameExtension(
        [san, ...(options.extraSans ?? [])].map((name) => ({
          type: isIP(name) ? ("ip" as const) : ("dns" as const),
          value: name,
        })),
        false,
      ),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      await x509.SubjectKeyIdentifierExtension.create((key.keys as unknown as X509KeyPair).publicKey),
      new x509.Extension(RATLS_QUOTE_OID, false, quote),
    ],
  });
  return certificate.toString("pem") + "\n";
}

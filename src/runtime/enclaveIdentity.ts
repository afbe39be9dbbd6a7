// The enclave's identity: its X25519 key (HKDF-SHA256 from the MRENCLAVE sealing key; secrets are
// sealed to it), its P-256 TLS key and the RA-TLS certificate whose quote binds both. A fresh TLS key
// and certificate are made at every boot of an enclave that is not configured yet; they are kept
// only inside the configured enclave's record (enclaveRecord), so a certificate that ever waited for
// a configuration can never wait for another one.
import { z } from "zod";
import { sealedBoxPublicKey } from "../crypto/sealedBox.js";
import type { AttestationProvider } from "./attestationProvider.js";
import { deriveKey } from "./enclaveStorage.js";
import {
  createRaTlsCertificate,
  generateTlsKey,
  importTlsKey,
  raTlsReportData,
  type TlsKey,
} from "./raTlsCertificate.js";

export interface EnclaveIdentity {
  enclaveSecretKey: Uint8Array;
  enclavePublicKey: Uint8Array;
  tlsKey: TlsKey;
  certificatePem: string;
}

/** The parts of an identity that are kept: the X25519 key is derived again from the sealing key. */
export const identityRecordSchema = z.strictObject({
  tlsPrivateKey: z.string().min(1),
  certificate: z.string().min(1),
});

export type IdentityRecord = z.infer<typeof identityRecordSchema>;

/** The X25519 secret key: HKDF-SHA256 of the sealing key, so only this enclave can derive it. */
export function deriveEnclaveSecretKey(sealingKey: Uint8Array): Uint8Array {
  return deriveKey(sealingKey, "enclave x25519 key v1", 32);
}

async function enclaveKeys(
  provider: AttestationProvider,
): Promise<Pick<EnclaveIdentity, "enclaveSecretKey" | "enclavePublicKey">> {
  const enclaveSecretKey = deriveEnclaveSecretKey(await provider.sealingKey());
  return { enclaveSecretKey, enclavePublicKey: sealedBoxPublicKey(enclaveSecretKey) };
}

/** A new TLS key and RA-TLS certificate whose quote binds it and the enclave key. */
export async function createIdentity(
  provider: AttestationProvider,
  certificate: { san: string; extraSans: readonly string[]; expiration: number },
): Promise<EnclaveIdentity> {
  const keys = await enclaveKeys(provider);
  const tlsKey = await generateTlsKey();
  const quote = await provider.quote(raTlsReportData(tlsKey.publicKeyRaw, keys.enclavePublicKey));
  const certificatePem = await createRaTlsCertificate({
    key: tlsKey,
    san: certificate.san,
    extraSans: certificate.extraSans,
    notAfter: new Date(certificate.expiration * 1000),
    quote,
  });
  return { ...keys, tlsKey, certificatePem };
}

export function identityRecord(identity: EnclaveIdentity): IdentityRecord {
  return { tlsPrivateKey: identity.tlsKey.privateKeyPem, certificate: identity.certificatePem };
}

/** The identity a configured enclave kept. */
export async function identityFromRecord(
  record: IdentityRecord,
  provider: AttestationProvider,
): Promise<EnclaveIdentity> {
  return {
    ...(await enclaveKeys(provider)),
    tlsKey: await importTlsKey(record.tlsPrivateKey),
    certificatePem: record.certificate,
  };
}

// The enclave's identity: its X25519 key (HKDF-SHA256 from the MRENCLAVE sealing key; secrets are
// sealed to it), its P-256 TLS key and the RA-TLS certificate whose quote binds both. Created on
// first boot and kept in enclave storage, so a restart serves the same certificate.
import { z } from "zod";
import { sealedBoxPublicKey } from "../crypto/sealedBox.js";
import type { AttestationProvider } from "./attestationProvider.js";
import { deriveKey, type EnclaveStorage } from "./enclaveStorage.js";
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

const IDENTITY_RECORD = "identity";

const identityRecordSchema = z.strictObject({
  format: z.literal(1),
  enclaveSecretKey: z.string().regex(/^[0-9a-f]{64}$/),
  tlsPrivateKey: z.string().min(1),
  certificate: z.string().min(1),
});

/** The X25519 secret key: HKDF-SHA256 of the sealing key, so only this enclave can derive it. */
export function deriveEnclaveSecretKey(sealingKey: Uint8Array): Uint8Array {
  return deriveKey(sealingKey, "enclave x25519 key v1", 32);
}

export async function loadOrCreateIdentity(
  storage: EnclaveStorage,
  provider: AttestationProvider,
  certificate: { san: string; expiration: number },
): Promise<{ identity: EnclaveIdentity; created: boolean }> {
  const stored = await storage.read(IDENTITY_RECORD);
  if (stored !== undefined) {
    const record = identityRecordSchema.parse(JSON.parse(Buffer.from(stored).toString("utf8")));
    const enclaveSecretKey = new Uint8Array(Buffer.from(record.enclaveSecretKey, "hex"));
    const tlsKey = await importTlsKey(record.tlsPrivateKey);
    return {
      identity: {
        enclaveSecretKey,
        enclavePublicKey: sealedBoxPublicKey(enclaveSecretKey),
        tlsKey,
        certificatePem: record.certificate,
      },
      created: false,
    };
  }

  const enclaveSecretKey = deriveEnclaveSecretKey(await provider.sealingKey());
  const enclavePublicKey = sealedBoxPublicKey(enclaveSecretKey);

  const tlsKey = await generateTlsKey();
  const quote = await provider.quote(raTlsReportData(tlsKey.publicKeyRaw, enclavePublicKey));
  const certificatePem = await createRaTlsCertificate({
    key: tlsKey,
    san: certificate.san,
    notAfter: new Date(certificate.expiration * 1000),
    quote,
  });
  const record: z.infer<typeof identityRecordSchema> = {
    format: 1,
    enclaveSecretKey: Buffer.from(enclaveSecretKey).toString("hex"),
    tlsPrivateKey: tlsKey.privateKeyPem,
    certificate: certificatePem,
  };
  await storage.write(IDENTITY_RECORD, new TextEncoder().encode(JSON.stringify(record)));
  return { identity: { enclaveSecretKey, enclavePublicKey, tlsKey, certificatePem }, created: true };
}

// AES-GCM in memory with the layout 12-byte nonce ‖ ciphertext ‖ 16-byte tag (keys of 16, 24 or 32 bytes),
// the format apps use to hand encrypted results to their code provider.
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from "node:crypto";
import { DecryptionError, InvalidKeyError } from "./errors.js";

export const AES_GCM_NONCE_BYTES = 12;
export const AES_GCM_TAG_BYTES = 16;
export const AES_GCM_OVERHEAD = AES_GCM_NONCE_BYTES + AES_GCM_TAG_BYTES;
export const AES_KEY_BYTES: readonly number[] = [16, 24, 32];

/** The node:crypto cipher for a key, which also checks the key's length. */
export function aesGcmAlgorithm(key: Uint8Array): CipherGCMTypes {
  switch (key.length) {
    case 16:
      return "aes-128-gcm";
    case 24:
      return "aes-192-gcm";
    case 32:
      return "aes-256-gcm";
    default:
      throw new InvalidKeyError(`an AES key must be 16, 24 or 32 bytes, got ${key.length}`);
  }
}

/** Parses an AES key written in hex; the message never repeats the key. */
export function parseAesKeyHex(text: string): Uint8Array {
  const hex = text.trim();
  if (hex.length === 0) throw new InvalidKeyError("the AES key is empty");
  if (!/^[0-9a-fA-F]+$/.test(hex)) throw new InvalidKeyError("the AES key must be hex digits only");
  if (!AES_KEY_BYTES.includes(hex.length / 2)) {
    throw new InvalidKeyError(
      `the AES key must be 32, 48 or 64 hex digits (16, 24 or 32 bytes), got ${hex.length} hex digits`,
    );
  }
  return new Uint8Array(Buffer.from(hex, "hex"));
}

export function aesGcmEncrypt(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const nonce = randomBytes(AES_GCM_NONCE_BYTES);
  const cipher = createCipheriv(aesGcmAlgorithm(key), key, nonce, { authTagLength: AES_GCM_TAG_BYTES });
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([nonce, body, cipher.getAuthTag()]));
}

export function aesGcmDecrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  const algorithm = aesGcmAlgorithm(key);
  if (data.length < AES_GCM_OVERHEAD) throw tooShort(data.length);
  const nonce = data.subarray(0, AES_GCM_NONCE_BYTES);
  const tag = data.subarray(data.length - AES_GCM_TAG_BYTES);
  const decipher = createDecipheriv(algorithm, key, nonce, { authTagLength: AES_GCM_TAG_BYTES });
  decipher.setAuthTag(tag);
  const body = decipher.update(data.subarray(AES_GCM_NONCE_BYTES, data.length - AES_GCM_TAG_BYTES));
  try {
    return new Uint8Array(Buffer.concat([body, decipher.final()]));
  } catch (cause) {
    body.fill(0);
    throw authenticationFailed(cause);
  }
}

export function tooShort(length: number): DecryptionError {
  return new DecryptionError(
    "malformed",
    `AES-GCM data is ${length} bytes, shorter than its ${AES_GCM_OVERHEAD}-byte nonce and tag (truncated?)`,
  );
}

export function authenticationFailed(cause: unknown): DecryptionError {
  return new DecryptionError(
    "authentication",
    "AES-GCM authentication failed (wrong key, or the data was truncated or tampered with)",
    { cause },
  );
}

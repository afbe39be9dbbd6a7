// Symmetric authenticated encryption for code files: libsodium's secretbox (XSalsa20-Poly1305)
// with its 24-byte random nonce prepended, i.e. nonce ‖ tag ‖ ciphertext, as PyNaCl's SecretBox writes it.
import { randomBytes } from "node:crypto";
import { xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import { DecryptionError, InvalidKeyError } from "./errors.js";

export const SECRET_BOX_KEY_BYTES = 32;
export const SECRET_BOX_NONCE_BYTES = 24;
export const SECRET_BOX_TAG_BYTES = 16;
/** Bytes secretBoxSeal adds to its plaintext. */
export const SECRET_BOX_OVERHEAD = SECRET_BOX_NONCE_BYTES + SECRET_BOX_TAG_BYTES;

export function generateSecretBoxKey(): Uint8Array {
  return new Uint8Array(randomBytes(SECRET_BOX_KEY_BYTES));
}

export function secretBoxSeal(plaintext: Uint8Array, key: Uint8Array): Uint8Array {
  checkKey(key);
  const nonce = new Uint8Array(randomBytes(SECRET_BOX_NONCE_BYTES));
  const boxed = xsalsa20poly1305(key, nonce).encrypt(plaintext);
  const out = new Uint8Array(SECRET_BOX_NONCE_BYTES + boxed.length);
  out.set(nonce, 0);
  out.set(boxed, SECRET_BOX_NONCE_BYTES);
  return out;
}

/** Opens nonce ‖ tag ‖ ciphertext; throws DecryptionError on a short, altered or wrongly keyed box. */
export function secretBoxOpen(data: Uint8Array, key: Uint8Array): Uint8Array {
  checkKey(key);
  if (data.length < SECRET_BOX_OVERHEAD) {
    throw new DecryptionError(
      "malformed",
      `secret box is ${data.length} bytes, shorter than its ${SECRET_BOX_OVERHEAD}-byte nonce and tag`,
    );
  }
  const nonce = data.subarray(0, SECRET_BOX_NONCE_BYTES);
  try {
    return xsalsa20poly1305(key, nonce).decrypt(data.subarray(SECRET_BOX_NONCE_BYTES));
  } catch (cause) {
    throw new DecryptionError(
      "authentication",
      "secret box does not open with this key (wrong key, or the data was truncated or altered)",
      { cause },
    );
  }
}

/** Reads a 32-byte secret-box key written as hex (the `package_<name>_<ns>.key` format). */
export function parseSecretBoxKeyHex(text: string): Uint8Array {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]*$/.test(hex)) {
    throw new InvalidKeyError("the code key must be hex digits only");
  }
  if (hex.length !== 2 * SECRET_BOX_KEY_BYTES) {
    throw new InvalidKeyError(
      `the code key must be ${2 * SECRET_BOX_KEY_BYTES} hex digits (${SECRET_BOX_KEY_BYTES} bytes), got ${hex.length}`,
    );
  }
  return new Uint8Array(Buffer.from(hex, "hex"));
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== SECRET_BOX_KEY_BYTES) {
    throw new InvalidKeyError(
      `a secret-box key must be ${SECRET_BOX_KEY_BYTES} bytes, got ${key instanceof Uint8Array ? key.length : typeof key}`,
    );
  }
}

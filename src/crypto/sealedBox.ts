// Anonymous public-key encryption byte-compatible with libsodium's crypto_box_seal:
// ephemeral_pk ‖ XSalsa20-Poly1305(HSalsa20(X25519(ephemeral_sk, recipient_pk)), nonce, message)
// with nonce = BLAKE2b-24(ephemeral_pk ‖ recipient_pk). This is how secrets reach the enclave.
import { x25519 } from "@noble/curves/ed25519.js";
import { hsalsa, xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { DecryptionError, InvalidKeyError } from "./errors.js";

export const SEALED_BOX_KEY_BYTES = 32;
/** Bytes a sealed box adds to its message: the ephemeral public key and the Poly1305 tag. */
export const SEALED_BOX_OVERHEAD = 32 + 16;

/** "expand 32-byte k", the Salsa20 constant HSalsa20 runs with. */
const SIGMA = new TextEncoder().encode("expand 32-byte k");

export interface SealedBoxKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

export function generateSealedBoxKeyPair(): SealedBoxKeyPair {
  const { secretKey, publicKey } = x25519.keygen();
  return { publicKey, secretKey };
}

export function sealedBoxPublicKey(secretKey: Uint8Array): Uint8Array {
  checkKey(secretKey, "secret");
  return x25519.getPublicKey(secretKey);
}

export function sealBox(message: Uint8Array, recipientPublicKey: Uint8Array): Uint8Array {
  checkKey(recipientPublicKey, "recipient public");
  const ephemeral = x25519.keygen();
  const key = boxKey(ephemeral.secretKey, recipientPublicKey);
  const nonce = sealNonce(ephemeral.publicKey, recipientPublicKey);
  const boxed = xsalsa20poly1305(key, nonce).encrypt(message);
  ephemeral.secretKey.fill(0);
  key.fill(0);
  const sealed = new Uint8Array(SEALED_BOX_KEY_BYTES + boxed.length);
  sealed.set(ephemeral.publicKey, 0);
  sealed.set(boxed, SEALED_BOX_KEY_BYTES);
  return sealed;
}

/** Opens a sealed box addressed to (publicKey, secretKey); throws DecryptionError when it cannot. */
export function openSealedBox(sealed: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array {
  checkKey(publicKey, "public");
  checkKey(secretKey, "secret");
  if (sealed.length < SEALED_BOX_OVERHEAD) {
    throw new DecryptionError(
      "malformed",
      `sealed box is ${sealed.length} bytes, shorter than the ${SEALED_BOX_OVERHEAD} bytes every sealed box has`,
    );
  }
  const ephemeralPublicKey = sealed.subarray(0, SEALED_BOX_KEY_BYTES);
  let key: Uint8Array;
  try {
    key = boxKey(secretKey, ephemeralPublicKey);
  } catch (cause) {
    // A low-order ephemeral key: libsodium refuses it too (crypto_scalarmult fails).
    throw new DecryptionError("malformed", "sealed box carries an invalid ephemeral public key", { cause });
  }
  const nonce = sealNonce(ephemeralPublicKey, publicKey);
  try {
    return xsalsa20poly1305(key, nonce).decrypt(sealed.subarray(SEALED_BOX_KEY_BYTES));
  } catch (cause) {
    throw new DecryptionError(
      "authentication",
      "sealed box does not open with this key pair (wrong key, or the data was altered)",
      { cause },
    );
  } finally {
    key.fill(0);
  }
}

/** crypto_box_beforenm: HSalsa20 of the X25519 shared secret with a zero nonce. */
function boxKey(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const shared = x25519.getSharedSecret(secretKey, publicKey);
  const out = new Uint32Array(8);
  hsalsa(words(SIGMA), words(shared), new Uint32Array(4), out);
  shared.fill(0);
  return new Uint8Array(out.buffer);
}

function sealNonce(ephemeralPublicKey: Uint8Array, recipientPublicKey: Uint8Array): Uint8Array {
  const input = new Uint8Array(2 * SEALED_BOX_KEY_BYTES);
  input.set(ephemeralPublicKey, 0);
  input.set(recipientPublicKey, SEALED_BOX_KEY_BYTES);
  return blake2b(input, { dkLen: 24 });
}

/** A native-endian word view of a copy (hsalsa normalises byte order itself). */
function words(bytes: Uint8Array): Uint32Array {
  return new Uint32Array(bytes.slice().buffer);
}

function checkKey(key: Uint8Array, which: string): void {
  if (!(key instanceof Uint8Array) || key.length !== SEALED_BOX_KEY_BYTES) {
    throw new InvalidKeyError(
      `the ${which} key must be ${SEALED_BOX_KEY_BYTES} bytes, got ${key instanceof Uint8Array ? key.length : typeof key}`,
    );
  }
}

// Secret boxes are libsodium's crypto_secretbox with the nonce prepended: round trips, interop, tampering.
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { libsodium } from "./testing/libsodium.js";
import {
  SECRET_BOX_NONCE_BYTES,
  SECRET_BOX_OVERHEAD,
  generateSecretBoxKey,
  parseSecretBoxKeyHex,
  secretBoxOpen,
  secretBoxSeal,
} from "./secretBox.js";
import { DecryptionError, InvalidKeyError } from "./errors.js";

describe("secret box", () => {
  it.each([0, 1, 64, 70_000])("round-trips a %i-byte plaintext", (length) => {
    const key = generateSecretBoxKey();
    const plaintext = new Uint8Array(randomBytes(length));
    const sealed = secretBoxSeal(plaintext, key);
    expect(sealed.length).toBe(length + SECRET_BOX_OVERHEAD);
    expect(Buffer.from(secretBoxOpen(sealed, key)).equals(plaintext)).toBe(true);
  });

  it("writes nonce ‖ crypto_secretbox_easy output, which libsodium opens", async () => {
    const sodium = await libsodium();
    const key = generateSecretBoxKey();
    const plaintext = new TextEncoder().encode("export const app = () => {};");
    const sealed = secretBoxSeal(plaintext, key);
    const nonce = sealed.subarray(0, SECRET_BOX_NONCE_BYTES);
    expect(sodium.crypto_secretbox_open_easy(sealed.subarray(SECRET_BOX_NONCE_BYTES), nonce, key)).toEqual(
      plaintext,
    );
  });

  it("opens what libsodium sealed", async () => {
    const sodium = await libsodium();
    const key = generateSecretBoxKey();
    const nonce = sodium.randombytes_buf(SECRET_BOX_NONCE_BYTES);
    const plaintext = new TextEncoder().encode("code");
    const boxed = sodium.crypto_secretbox_easy(plaintext, nonce, key);
    expect(secretBoxOpen(new Uint8Array([...nonce, ...boxed]), key)).toEqual(plaintext);
  });

  it("never reuses a nonce", () => {
    const key = generateSecretBoxKey();
    const a = secretBoxSeal(new Uint8Array(8), key).subarray(0, SECRET_BOX_NONCE_BYTES);
    const b = secretBoxSeal(new Uint8Array(8), key).subarray(0, SECRET_BOX_NONCE_BYTES);
    expect(a).not.toEqual(b);
  });

  it("rejects every altered byte: nonce, tag and ciphertext", () => {
    const key = generateSecretBoxKey();
    const sealed = secretBoxSeal(new TextEncoder().encode("some code to protect"), key);
    for (let index = 0; index < sealed.length; index++) {
      const altered = sealed.slice();
      altered[index]! ^= 0x80;
      expect(() => secretBoxOpen(altered, key), `byte ${index}`).toThrow(DecryptionError);
    }
  });

  it("rejects a wrong key, a truncated box and a box shorter than its header", () => {
    const key = generateSecretBoxKey();
    const sealed = secretBoxSeal(new TextEncoder().encode("code"), key);
    expect(() => secretBoxOpen(sealed, generateSecretBoxKey())).toThrow(/wrong key/);
    expect(() => secretBoxOpen(sealed.subarray(0, sealed.length - 1), key)).toThrow(DecryptionError);
    let error: unknown;
    try {
      secretBoxOpen(sealed.subarray(0, SECRET_BOX_OVERHEAD - 1), key);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DecryptionError);
    expect((error as DecryptionError).reason).toBe("malformed");
  });

  it("refuses keys that are not 32 bytes", () => {
    expect(() => secretBoxSeal(new Uint8Array(1), new Uint8Array(16))).toThrow(InvalidKeyError);
  });

  it("parses a hex key and names what is wrong with a bad one", () => {
    const key = generateSecretBoxKey();
    expect(parseSecretBoxKeyHex(`${Buffer.from(key).toString("hex")}\n`)).toEqual(key);
    expect(() => parseSecretBoxKeyHex("abcd")).toThrow(/64 hex digits/);
    expect(() => parseSecretBoxKeyHex("zz".repeat(32))).toThrow(/hex digits only/);
  });
});

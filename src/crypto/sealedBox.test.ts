// Sealed boxes must be libsodium's crypto_box_seal, byte for byte: each side opens the other's.
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { libsodium } from "./testing/libsodium.js";
import {
  SEALED_BOX_OVERHEAD,
  generateSealedBoxKeyPair,
  openSealedBox,
  sealBox,
  sealedBoxPublicKey,
} from "./sealedBox.js";
import { DecryptionError, InvalidKeyError } from "./errors.js";

const messages = [new Uint8Array(0), new TextEncoder().encode('{"result_sk":"k"}'), randomBytes(20_000)];

describe("sealed box", () => {
  it("derives the same public key as libsodium from a secret key", async () => {
    const sodium = await libsodium();
    const pair = sodium.crypto_box_keypair();
    expect(sealedBoxPublicKey(pair.privateKey)).toEqual(pair.publicKey);
    const ours = generateSealedBoxKeyPair();
    expect(sodium.crypto_scalarmult_base(ours.secretKey)).toEqual(ours.publicKey);
  });

  it.each(messages.map((m) => [m.length, m] as const))(
    "a %i-byte message sealed by us opens with libsodium's crypto_box_seal_open",
    async (_length, message) => {
      const sodium = await libsodium();
      const pair = sodium.crypto_box_keypair();
      const sealed = sealBox(message, pair.publicKey);
      expect(sealed.length).toBe(message.length + SEALED_BOX_OVERHEAD);
      expect(sodium.crypto_box_seal_open(sealed, pair.publicKey, pair.privateKey)).toEqual(
        new Uint8Array(message),
      );
    },
  );

  it.each(messages.map((m) => [m.length, m] as const))(
    "a %i-byte message sealed by libsodium opens with ours",
    async (_length, message) => {
      const sodium = await libsodium();
      const ours = generateSealedBoxKeyPair();
      const sealed = sodium.crypto_box_seal(message, ours.publicKey);
      expect(openSealedBox(sealed, ours.publicKey, ours.secretKey)).toEqual(new Uint8Array(message));
    },
  );

  it("uses a fresh ephemeral key for every seal", () => {
    const { publicKey } = generateSealedBoxKeyPair();
    const message = new TextEncoder().encode("same message");
    expect(sealBox(message, publicKey)).not.toEqual(sealBox(message, publicKey));
  });

  it("refuses to open with another key pair", () => {
    const recipient = generateSealedBoxKeyPair();
    const other = generateSealedBoxKeyPair();
    const sealed = sealBox(new TextEncoder().encode("secret"), recipient.publicKey);
    expect(() => openSealedBox(sealed, other.publicKey, other.secretKey)).toThrow(DecryptionError);
    // The right secret key with the wrong public key gives the wrong nonce: refused as well.
    expect(() => openSealedBox(sealed, other.publicKey, recipient.secretKey)).toThrow(DecryptionError);
  });

  it("refuses any altered byte and any truncation", () => {
    const recipient = generateSealedBoxKeyPair();
    const sealed = sealBox(new TextEncoder().encode("secret payload"), recipient.publicKey);
    for (const index of [0, 31, 32, 47, 48, sealed.length - 1]) {
      const altered = sealed.slice();
      altered[index]! ^= 0x01;
      expect(() => openSealedBox(altered, recipient.publicKey, recipient.secretKey), `byte ${index}`).toThrow(
        DecryptionError,
      );
    }
    expect(() =>
      openSealedBox(sealed.subarray(0, sealed.length - 1), recipient.publicKey, recipient.secretKey),
    ).toThrow(DecryptionError);
    const short = () =>
      openSealedBox(sealed.subarray(0, SEALED_BOX_OVERHEAD - 1), recipient.publicKey, recipient.secretKey);
    expect(short).toThrow(/shorter than/);
  });

  it("refuses a low-order ephemeral key as libsodium does", () => {
    const recipient = generateSealedBoxKeyPair();
    const sealed = new Uint8Array(SEALED_BOX_OVERHEAD + 4); // all-zero ephemeral key
    expect(() => openSealedBox(sealed, recipient.publicKey, recipient.secretKey)).toThrow(
      /invalid ephemeral public key/,
    );
  });

  it("refuses keys of the wrong length", () => {
    expect(() => sealBox(new Uint8Array(1), new Uint8Array(31))).toThrow(InvalidKeyError);
    expect(() => sealedBoxPublicKey(new Uint8Array(33))).toThrow(InvalidKeyError);
  });
});

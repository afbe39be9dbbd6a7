// AES-GCM with nonce ‖ ciphertext ‖ tag: the GCM specification's test case, round trips, and refusals.
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { AES_GCM_OVERHEAD, aesGcmDecrypt, aesGcmEncrypt, parseAesKeyHex } from "./aesGcm.js";
import { DecryptionError, InvalidKeyError } from "./errors.js";

const hex = (text: string) => new Uint8Array(Buffer.from(text, "hex"));

describe("AES-GCM", () => {
  it("decrypts test case 3 of the GCM specification (McGrew & Viega)", () => {
    const key = hex("feffe9928665731c6d6a8f9467308308");
    const data = hex(
      "cafebabefacedbaddecaf888" +
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985" +
        "4d5c2af327cd64a62cf35abd2ba6fab4",
    );
    expect(Buffer.from(aesGcmDecrypt(key, data)).toString("hex")).toBe(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
    );
  });

  it.each([16, 24, 32])("round-trips under a %i-byte key", (length) => {
    const key = new Uint8Array(randomBytes(length));
    const plaintext = new Uint8Array(randomBytes(1000));
    const data = aesGcmEncrypt(key, plaintext);
    expect(data.length).toBe(plaintext.length + AES_GCM_OVERHEAD);
    expect(aesGcmDecrypt(key, data)).toEqual(plaintext);
  });

  it("interoperates with WebCrypto's AES-GCM (ciphertext ‖ tag after the nonce)", async () => {
    const key = new Uint8Array(randomBytes(32));
    const plaintext = new TextEncoder().encode("message using the AES key from SECRETS");
    const data = aesGcmEncrypt(key, plaintext);
    const webKey = await crypto.subtle.importKey("raw", key, "AES-GCM", false, ["decrypt"]);
    const opened = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: data.subarray(0, 12) },
      webKey,
      data.subarray(12),
    );
    expect(new Uint8Array(opened)).toEqual(plaintext);
  });

  it("refuses a wrong key, any altered byte and truncation", () => {
    const key = new Uint8Array(randomBytes(32));
    const data = aesGcmEncrypt(key, new TextEncoder().encode("result"));
    expect(() => aesGcmDecrypt(new Uint8Array(randomBytes(32)), data)).toThrow(/authentication failed/);
    for (let index = 0; index < data.length; index++) {
      const altered = data.slice();
      altered[index]! ^= 0x04;
      expect(() => aesGcmDecrypt(key, altered), `byte ${index}`).toThrow(DecryptionError);
    }
    expect(() => aesGcmDecrypt(key, data.subarray(0, data.length - 1))).toThrow(DecryptionError);
    expect(() => aesGcmDecrypt(key, data.subarray(0, AES_GCM_OVERHEAD - 1))).toThrow(/shorter than/);
  });

  it("parses hex keys of 16, 24 and 32 bytes and refuses others without echoing them", () => {
    for (const length of [16, 24, 32]) {
      const key = randomBytes(length);
      expect(parseAesKeyHex(` ${key.toString("hex").toUpperCase()}\n`)).toEqual(new Uint8Array(key));
    }
    expect(() => parseAesKeyHex("00".repeat(20))).toThrow(/got 40 hex digits/);
    expect(() => parseAesKeyHex("0")).toThrow(InvalidKeyError);
    expect(() => parseAesKeyHex("")).toThrow(/empty/);
    const secretLooking = `${"ab".repeat(31)}zz`;
    expect(() => parseAesKeyHex(secretLooking)).toThrow(/hex digits only/);
    try {
      parseAesKeyHex(secretLooking);
    } catch (error) {
      expect((error as Error).message).not.toContain("abab");
    }
  });
});

// Streaming AES-GCM files: round trips across chunk boundaries, and every failure leaves no output at all.
import { describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import { randomBytes } from "node:crypto";
import { readFile, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { aesGcmEncrypt } from "./aesGcm.js";
import { aesGcmDecryptFile, aesGcmEncryptFile } from "./aesGcmFile.js";
import { DecryptionError } from "./errors.js";

const dir = tempDirPerTest("aesgcm");

const key = new Uint8Array(randomBytes(32));

async function encryptedFile(plaintext: Uint8Array, name = "result.enc"): Promise<string> {
  const file = path.join(dir(), name);
  await writeFile(file, aesGcmEncrypt(key, plaintext));
  return file;
}

describe("AES-GCM files", () => {
  it.each([0, 1, (1 << 20) - 1, 3 * (1 << 20) + 17])("decrypts a %i-byte plaintext", async (length) => {
    const plaintext = new Uint8Array(randomBytes(length));
    const output = path.join(dir(), "out");
    const result = await aesGcmDecryptFile(key, await encryptedFile(plaintext), output);
    expect(result.bytes).toBe(length);
    // Buffer.equals: vitest's deep equality is far too slow on megabytes.
    expect(Buffer.from(plaintext).equals(await readFile(output))).toBe(true);
    expect((await stat(output)).mode & 0o777).toBe(0o600);
  });

  it("round-trips through the streaming encryptor", async () => {
    const plaintext = randomBytes(2 * (1 << 20) + 5);
    await writeFile(path.join(dir(), "plain"), plaintext);
    const written = await aesGcmEncryptFile(key, path.join(dir(), "plain"), path.join(dir(), "enc"));
    expect(written.bytes).toBe(plaintext.length + 28);
    await aesGcmDecryptFile(key, path.join(dir(), "enc"), path.join(dir(), "back"));
    expect(plaintext.equals(await readFile(path.join(dir(), "back")))).toBe(true);
  });

  const failures: Array<[string, (data: Uint8Array) => Uint8Array, RegExp]> = [
    ["a flipped ciphertext byte", (d) => flip(d, Math.floor(d.length / 2)), /authentication failed/],
    ["a flipped tag byte", (d) => flip(d, d.length - 1), /authentication failed/],
    ["a flipped nonce byte", (d) => flip(d, 0), /authentication failed/],
    ["a truncated file", (d) => d.subarray(0, d.length - 100), /authentication failed/],
    ["a file shorter than nonce and tag", (d) => d.subarray(0, 20), /shorter than/],
  ];

  it.each(failures)("refuses %s and writes nothing", async (_what, alter, message) => {
    const data = aesGcmEncrypt(key, new Uint8Array(randomBytes(300_000)));
    const input = path.join(dir(), "in");
    await writeFile(input, alter(data));
    await expect(aesGcmDecryptFile(key, input, path.join(dir(), "out"))).rejects.toThrow(message);
    expect(await readdir(dir())).toEqual(["in"]);
  });

  it("refuses a wrong key, leaving an existing output untouched", async () => {
    const input = await encryptedFile(new TextEncoder().encode("secret result"));
    const output = path.join(dir(), "out");
    await writeFile(output, "previous");
    const attempt = aesGcmDecryptFile(new Uint8Array(randomBytes(32)), input, output);
    await expect(attempt).rejects.toBeInstanceOf(DecryptionError);
    expect(await readFile(output, "utf8")).toBe("previous");
    expect((await readdir(dir())).sort()).toEqual(["out", "result.enc"]);
  });

  it("fails clearly when the output directory does not exist", async () => {
    const input = await encryptedFile(new Uint8Array(3));
    await expect(aesGcmDecryptFile(key, input, path.join(dir(), "missing", "out"))).rejects.toThrow(/ENOENT/);
  });
});

function flip(data: Uint8Array, index: number): Uint8Array {
  const copy = data.slice();
  copy[index]! ^= 0x01;
  return copy;
}

// AES-GCM for files of any size in bounded memory: the ciphertext is read chunk by chunk through
// node:crypto, and the plaintext becomes visible (renamed into place) only after the tag
// authenticated all of it.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { open, type FileHandle } from "node:fs/promises";
import {
  AES_GCM_NONCE_BYTES,
  AES_GCM_OVERHEAD,
  AES_GCM_TAG_BYTES,
  aesGcmAlgorithm,
  authenticationFailed,
  tooShort,
} from "./aesGcm.js";
import { writeAtomically, writeFully } from "./atomicOutput.js";
import { DecryptionError } from "./errors.js";

/**
 * One read buffer, reused, and one output buffer per chunk. 64 KiB keeps the garbage between two
 * collections (and so the peak RSS) low, at little cost in speed since the disk dominates.
 */
const CHUNK_BYTES = 64 * 1024;

export interface FileCryptResult {
  /** Bytes written to the destination. */
  bytes: number;
}

/** Decrypts `source` (nonce ‖ ciphertext ‖ tag) into `destination`, which exists only on success. */
export async function aesGcmDecryptFile(
  key: Uint8Array,
  source: string,
  destination: string,
): Promise<FileCryptResult> {
  const algorithm = aesGcmAlgorithm(key);
  const input = await open(source, "r");
  try {
    const { size } = await input.stat();
    if (size < AES_GCM_OVERHEAD) throw tooShort(size);
    // The tag sits at the end: read it first, so final() can authenticate what streamed through.
    const nonce = await readExactly(input, AES_GCM_NONCE_BYTES, 0);
    const tag = await readExactly(input, AES_GCM_TAG_BYTES, size - AES_GCM_TAG_BYTES);
    const decipher = createDecipheriv(algorithm, key, nonce, { authTagLength: AES_GCM_TAG_BYTES });
    decipher.setAuthTag(tag);
    return await writeAtomically(destination, async (output) => {
      let bytes = 0;
      const end = size - AES_GCM_TAG_BYTES;
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      const readAt = async (position: number): Promise<number> => {
        if (position >= end) return 0;
        const { bytesRead } = await input.read(buffer, 0, Math.min(CHUNK_BYTES, end - position), position);
        if (bytesRead === 0)
          throw new DecryptionError("malformed", `${source} shrank while it was being decrypted`);
        return bytesRead;
      };
      const readAhead = (position: number): Promise<number> => {
        const read = readAt(position);
        // If writing fails first, this read's outcome no longer matters (close() waits for it).
        read.catch(() => undefined);
        return read;
      };
      let position = AES_GCM_NONCE_BYTES;
      let pending = readAhead(position);
      for (let read = await pending; read > 0; read = await pending) {
        position += read;
        // update() copies into a new buffer, so the next read can refill `buffer` while this chunk is written.
        const plaintext = decipher.update(buffer.subarray(0, read));
        pending = readAhead(position);
        await writeFully(output, plaintext);
        bytes += plaintext.length;
      }
      let last: Buffer;
      try {
        last = decipher.final();
      } catch (cause) {
        throw authenticationFailed(cause);
      }
      await writeFully(output, last);
      return { bytes: bytes + last.length };
    });
  } finally {
    await input.close();
  }
}

/** Encrypts `source` into `destination` with a fresh random nonce (for tests, benchmarks and tooling). */
export async function aesGcmEncryptFile(
  key: Uint8Array,
  source: string,
  destination: string,
): Promise<FileCryptResult> {
  const nonce = randomBytes(AES_GCM_NONCE_BYTES);
  const cipher = createCipheriv(aesGcmAlgorithm(key), key, nonce, { authTagLength: AES_GCM_TAG_BYTES });
  const input = await open(source, "r");
  try {
    return await writeAtomically(
      destination,
      async (output) => {
        await writeFully(output, nonce);
        let bytes = AES_GCM_NONCE_BYTES;
        const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
        for (;;) {
          const { bytesRead } = await input.read(buffer, 0, CHUNK_BYTES, null);
          if (bytesRead === 0) break;
          const ciphertext = cipher.update(buffer.subarray(0, bytesRead));
          await writeFully(output, ciphertext);
          bytes += ciphertext.length;
        }
        const last = Buffer.concat([cipher.final(), cipher.getAuthTag()]);
        await writeFully(output, last);
        return { bytes: bytes + last.length };
      },
      0o644,
    );
  } finally {
    await input.close();
  }
}

async function readExactly(input: FileHandle, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let offset = 0;
  while (offset < length) {
    const { bytesRead } = await input.read(buffer, offset, length - offset, position + offset);
    if (bytesRead === 0) throw tooShort(position + offset);
    offset += bytesRead;
  }
  return buffer;
}

// AES-GCM for files of any size in bounded memory: the ciphertext streams through node:crypto,
// and the plaintext becomes visible (renamed into place) only after the tag authenticated all of it.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  AES_GCM_NONCE_BYTES,
  AES_GCM_OVERHEAD,
  AES_GCM_TAG_BYTES,
  aesGcmAlgorithm,
  authenticationFailed,
  tooShort,
} from "./aesGcm.js";
import { streamToFileAtomically } from "./atomicOutput.js";

/** Large reads keep the per-chunk overhead low; memory stays a few of these per stream. */
const CHUNK_BYTES = 1 << 20;

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
  const { size, nonce, tag } = await readFrame(source);
  const decipher = createDecipheriv(algorithm, key, nonce, { authTagLength: AES_GCM_TAG_BYTES });
  decipher.setAuthTag(tag);
  const counter = byteCounter();
  return streamToFileAtomically(destination, async (output) => {
    try {
      if (size === AES_GCM_OVERHEAD) {
        decipher.final();
        return { bytes: 0 };
      }
      const body = createReadStream(source, {
        start: AES_GCM_NONCE_BYTES,
        end: size - AES_GCM_TAG_BYTES - 1,
        highWaterMark: CHUNK_BYTES,
      });
      // The decipher's final() runs when the body ends and fails unless the tag matches.
      await pipeline(body, decipher, counter.stream, output);
      return { bytes: counter.bytes() };
    } catch (cause) {
      if (isAuthenticationFailure(cause)) throw authenticationFailed(cause);
      throw cause;
    }
  });
}

/** Encrypts `source` into `destination` with a fresh random nonce (for tests, benchmarks, and apps' tooling). */
export async function aesGcmEncryptFile(
  key: Uint8Array,
  source: string,
  destination: string,
): Promise<FileCryptResult> {
  const nonce = randomBytes(AES_GCM_NONCE_BYTES);
  const cipher = createCipheriv(aesGcmAlgorithm(key), key, nonce, { authTagLength: AES_GCM_TAG_BYTES });
  const counter = byteCounter();
  return streamToFileAtomically(
    destination,
    async (output) => {
      output.write(nonce);
      await pipeline(
        createReadStream(source, { highWaterMark: CHUNK_BYTES }),
        cipher,
        counter.stream,
        output,
        {
          end: false,
        },
      );
      output.write(cipher.getAuthTag());
      return { bytes: counter.bytes() + AES_GCM_OVERHEAD };
    },
    0o644,
  );
}

async function readFrame(source: string): Promise<{ size: number; nonce: Buffer; tag: Buffer }> {
  const handle = await open(source, "r");
  try {
    const { size } = await handle.stat();
    if (size < AES_GCM_OVERHEAD) throw tooShort(size);
    const nonce = Buffer.alloc(AES_GCM_NONCE_BYTES);
    const tag = Buffer.alloc(AES_GCM_TAG_BYTES);
    await handle.read(nonce, 0, AES_GCM_NONCE_BYTES, 0);
    await handle.read(tag, 0, AES_GCM_TAG_BYTES, size - AES_GCM_TAG_BYTES);
    return { size, nonce, tag };
  } finally {
    await handle.close();
  }
}

function byteCounter(): { stream: Transform; bytes: () => number } {
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  return { stream, bytes: () => bytes };
}

function isAuthenticationFailure(error: unknown): boolean {
  return error instanceof Error && /unable to authenticate/i.test(error.message);
}

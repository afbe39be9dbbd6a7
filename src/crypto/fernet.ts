// Fernet tokens (https://github.com/fernet/spec): 0x80 ‖ timestamp ‖ IV ‖ AES-128-CBC ciphertext ‖ HMAC-SHA256,
// url-safe base64. Hand-written on node:crypto; apps use it to return results under a sealed key.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { DecryptionError, InvalidKeyError } from "./errors.js";

const VERSION = 0x80;
const KEY_BYTES = 32;
const IV_BYTES = 16;
const HMAC_BYTES = 32;
const BLOCK_BYTES = 16;
const HEADER_BYTES = 1 + 8 + IV_BYTES;
/** Tokens more than this far in the future are refused when a TTL is checked (as Python's cryptography does). */
export const FERNET_MAX_CLOCK_SKEW_SECONDS = 60;

export interface FernetEncryptOptions {
  /** The token's timestamp; defaults to now. */
  now?: Date;
  /** The 16-byte IV; defaults to random. Fixed IVs are for reproducing test vectors only. */
  iv?: Uint8Array;
}

export interface FernetDecryptOptions {
  /** Refuse tokens older than this many seconds (and tokens from too far in the future). */
  ttlSeconds?: number;
  /** The time to check the TTL against; defaults to now. */
  now?: Date;
}

export function generateFernetKey(): string {
  return toBase64Url(randomBytes(KEY_BYTES));
}

/** Checks a Fernet key (url-safe base64 of 32 bytes, surrounding whitespace ignored) and returns its bytes. */
export function parseFernetKey(key: string): Uint8Array {
  const bytes = fromBase64Url(key.trim());
  if (bytes === undefined) throw new InvalidKeyError("a Fernet key must be url-safe base64");
  if (bytes.length !== KEY_BYTES) {
    throw new InvalidKeyError(
      `a Fernet key must encode ${KEY_BYTES} bytes, this one encodes ${bytes.length}`,
    );
  }
  return bytes;
}

export function fernetEncrypt(
  key: string,
  plaintext: Uint8Array,
  options: FernetEncryptOptions = {},
): string {
  const { signingKey, encryptionKey } = splitKey(parseFernetKey(key));
  const iv = options.iv ?? randomBytes(IV_BYTES);
  if (iv.length !== IV_BYTES) throw new RangeError(`a Fernet IV must be ${IV_BYTES} bytes, got ${iv.length}`);
  const cipher = createCipheriv("aes-128-cbc", encryptionKey, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = VERSION;
  header.writeBigUInt64BE(BigInt(secondsOf(options.now ?? new Date())), 1);
  header.set(iv, 9);
  const signed = Buffer.concat([header, ciphertext]);
  const hmac = createHmac("sha256", signingKey).update(signed).digest();
  return toBase64Url(Buffer.concat([signed, hmac]));
}

/** Verifies and decrypts a token; throws DecryptionError saying why a token is refused. */
export function fernetDecrypt(key: string, token: string, options: FernetDecryptOptions = {}): Uint8Array {
  const { signingKey, encryptionKey } = splitKey(parseFernetKey(key));
  const data = fromBase64Url(token.trim());
  if (data === undefined) throw new DecryptionError("malformed", "the Fernet token is not url-safe base64");
  if (data.length < HEADER_BYTES + BLOCK_BYTES + HMAC_BYTES) {
    throw new DecryptionError("malformed", `the Fernet token is too short (${data.length} bytes)`);
  }
  if (data[0] !== VERSION) {
    throw new DecryptionError(
      "malformed",
      `the Fernet token has version 0x${data[0]!.toString(16)}, not 0x80`,
    );
  }
  const signed = data.subarray(0, data.length - HMAC_BYTES);
  const expected = createHmac("sha256", signingKey).update(signed).digest();
  if (!timingSafeEqual(expected, data.subarray(data.length - HMAC_BYTES))) {
    throw new DecryptionError(
      "authentication",
      "the Fernet token's HMAC does not match (wrong key, or the token was truncated or tampered with)",
    );
  }
  if (options.ttlSeconds !== undefined) checkTime(data.readBigUInt64BE(1), options.ttlSeconds, options.now);
  const ciphertext = signed.subarray(HEADER_BYTES);
  if (ciphertext.length % BLOCK_BYTES !== 0) {
    throw new DecryptionError("malformed", "the Fernet ciphertext is not a whole number of AES blocks");
  }
  const decipher = createDecipheriv("aes-128-cbc", encryptionKey, signed.subarray(9, HEADER_BYTES));
  try {
    return new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  } catch (cause) {
    throw new DecryptionError("malformed", "the Fernet token's padding is invalid", { cause });
  }
}

function checkTime(timestamp: bigint, ttlSeconds: number, now: Date = new Date()): void {
  const current = BigInt(secondsOf(now));
  if (timestamp + BigInt(Math.floor(ttlSeconds)) < current) {
    throw new DecryptionError(
      "expired",
      `the Fernet token is older than its ${ttlSeconds}-second time to live`,
    );
  }
  if (current + BigInt(FERNET_MAX_CLOCK_SKEW_SECONDS) < timestamp) {
    throw new DecryptionError(
      "future",
      `the Fernet token is dated more than ${FERNET_MAX_CLOCK_SKEW_SECONDS} seconds in the future`,
    );
  }
}

function splitKey(key: Uint8Array): { signingKey: Uint8Array; encryptionKey: Uint8Array } {
  return { signingKey: key.subarray(0, 16), encryptionKey: key.subarray(16, 32) };
}

function secondsOf(date: Date): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError("the Fernet timestamp is not a valid date");
  return Math.floor(ms / 1000);
}

function toBase64Url(bytes: Uint8Array): string {
  // Fernet tokens and keys keep their "=" padding, as every reference implementation writes them.
  return Buffer.from(bytes).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
}

/** Strict url-safe base64 (padding optional); undefined for anything else. */
function fromBase64Url(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return undefined;
  const unpadded = text.replace(/=+$/, "");
  if (unpadded.length % 4 === 1) return undefined;
  if (text.length !== unpadded.length && text.length % 4 !== 0) return undefined;
  return Buffer.from(unpadded, "base64url");
}

// Typed failures of the crypto layer: a bad key, or data that cannot be decrypted (and why).

/** A key that cannot be used: wrong length, wrong encoding. Never carries the key itself. */
export class InvalidKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidKeyError";
  }
}

/**
 * Why decryption failed:
 * - `malformed`: the data is not in the expected format (too short, bad encoding, wrong version);
 * - `authentication`: the tag does not match (wrong key, or the data was truncated or tampered with);
 * - `expired`: the token is older than the allowed time to live;
 * - `future`: the token claims to be from further in the future than the allowed clock skew.
 */
export type DecryptionFailure = "malformed" | "authentication" | "expired" | "future";

export class DecryptionError extends Error {
  readonly reason: DecryptionFailure;
  constructor(reason: DecryptionFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DecryptionError";
    this.reason = reason;
  }
}

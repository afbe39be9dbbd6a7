// SHA-256 and size of the bytes passing through a stream, computed on the way: large files (an
// image, a package) are hashed while they are written, never read twice; and of a file, streamed
// (a package member or the Node binary may be far larger than memory should hold).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Transform } from "node:stream";

export interface StreamDigest {
  /** Hex. */
  sha256: string;
  sizeBytes: number;
}

export interface DigestingStream {
  /** Passes every chunk on unchanged. */
  stream: Transform;
  /** The digest of what passed; call once the stream has ended. */
  digest(): StreamDigest;
}

/** `onBytes` sees the running total after each chunk (for progress). */
export function digestingStream(onBytes?: (total: number) => void): DigestingStream {
  const hash = createHash("sha256");
  let sizeBytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      onBytes?.(sizeBytes);
      done(null, chunk);
    },
  });
  return { stream, digest: () => ({ sha256: hash.digest("hex"), sizeBytes }) };
}

/** Streams a file through SHA-256. */
export async function digestFile(file: string): Promise<StreamDigest> {
  const hash = createHash("sha256");
  let sizeBytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    sizeBytes += chunk.length;
  }
  return { sha256: hash.digest("hex"), sizeBytes };
}

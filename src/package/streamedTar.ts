// A tar written member by member straight into a file, where a member may be a stream whose size is
// unknown until it ends (`docker save`): its 512-byte header is reserved, the bytes are written and
// hashed once, and the header is written in place afterwards. The result is a plain ustar file
// (sizes beyond 8 GiB in the base-256 form GNU tar, bsdtar, node-tar and tar-stream all read).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Header } from "tar";
import { writeFully } from "../crypto/atomicOutput.js";
import { writeFrom } from "./fileRange.js";
import type { StreamDigest } from "../crypto/streamDigest.js";
import { FILE_MODE, normaliseMode, TarPathError } from "./tarWriter.js";

export const BLOCK_BYTES = 512;
const EPOCH = new Date(0);
const WRITE_BUFFER_BYTES = 1 << 20;

/** Bytes of zero padding that complete a member of `size` bytes to whole blocks. */
export function paddingAfter(size: number): number {
  return (BLOCK_BYTES - (size % BLOCK_BYTES)) % BLOCK_BYTES;
}

/** The deterministic header of a regular file member: mtime 0, uid/gid 0, no user or group names. */
export function fileHeader(name: string, size: number, mode: number = FILE_MODE): Buffer {
  const block = Buffer.alloc(BLOCK_BYTES);
  const header = new Header({
    path: name,
    mode: normaliseMode(mode),
    uid: 0,
    gid: 0,
    size,
    mtime: EPOCH,
    type: "File",
    uname: "",
    gname: "",
  });
  header.encode(block, 0);
  // needPax also reports a size past 8 GiB, which the header holds in base-256; a long name it cannot hold.
  if (Buffer.byteLength(name) > 100) throw new TarPathError(`the tar member name ${name} is too long`);
  return block;
}

/** Writes members at increasing offsets of an open file; `finish` writes the end-of-archive blocks. */
export class StreamedTarWriter {
  private position = 0;

  constructor(private readonly handle: FileHandle) {}

  /** A member held in memory (manifest.json). */
  async addBytes(name: string, content: Uint8Array, mode?: number): Promise<void> {
    await this.write(fileHeader(name, content.byteLength, mode));
    await this.write(content);
    await this.pad(content.byteLength);
  }

  /** A member copied from a file; its digest is computed on the way. */
  async addFile(name: string, file: string, mode?: number): Promise<StreamDigest> {
    const headerAt = this.position;
    await this.write(Buffer.alloc(BLOCK_BYTES));
    const digest = await this.copy(createReadStream(file, { highWaterMark: WRITE_BUFFER_BYTES }));
    await writeFully(this.handle, fileHeader(name, digest.sizeBytes, mode), headerAt);
    return digest;
  }

  /**
   * A member from a stream of unknown length: the header block is reserved, the bytes are written
   * and hashed as they arrive, then the header is written in place with the size. `onBytes` sees
   * the running total (for progress).
   */
  async addStream(
    name: string,
    source: Readable,
    options: { mode?: number; onBytes?: (total: number) => void; signal?: AbortSignal } = {},
  ): Promise<StreamDigest> {
    const headerAt = this.position;
    await this.write(Buffer.alloc(BLOCK_BYTES));
    const digest = await this.copy(source, options);
    await writeFully(this.handle, fileHeader(name, digest.sizeBytes, options.mode), headerAt);
    return digest;
  }

  /** Two zero blocks end a tar. */
  async finish(): Promise<void> {
    await this.write(Buffer.alloc(2 * BLOCK_BYTES));
  }

  /** Bytes written so far: the size of the tar once finished. */
  get sizeBytes(): number {
    return this.position;
  }

  private async copy(
    source: Readable,
    options: { onBytes?: (total: number) => void; signal?: AbortSignal } = {},
  ): Promise<StreamDigest> {
    const hash = createHash("sha256");
    let sizeBytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        sizeBytes += chunk.length;
        options.onBytes?.(sizeBytes);
        done(null, chunk);
      },
    });
    const output = writeFrom(this.handle, this.position);
    await pipeline(source, meter, output, options.signal ? { signal: options.signal } : {});
    this.position += sizeBytes;
    await this.pad(sizeBytes);
    return { sha256: hash.digest("hex"), sizeBytes };
  }

  private async pad(size: number): Promise<void> {
    const padding = paddingAfter(size);
    if (padding > 0) await this.write(Buffer.alloc(padding));
  }

  private async write(bytes: Uint8Array): Promise<void> {
    await writeFully(this.handle, bytes, this.position);
    this.position += bytes.byteLength;
  }
}

// Streams over a byte range of an open file, reading and writing at explicit offsets through its
// FileHandle: several members of one tar can be read or written in turn through one handle, and
// ending or destroying a stream never closes the file (fs streams close their descriptor on destroy).
import type { FileHandle } from "node:fs/promises";
import { Readable, Writable } from "node:stream";
import { writeFully } from "../crypto/atomicOutput.js";

const CHUNK_BYTES = 1 << 20;

/** The bytes of `[start, end)` of the file. */
export function readRange(handle: FileHandle, start: number, end: number): Readable {
  let position = start;
  return new Readable({
    highWaterMark: CHUNK_BYTES,
    read() {
      const length = Math.min(CHUNK_BYTES, end - position);
      if (length <= 0) {
        this.push(null);
        return;
      }
      const buffer = Buffer.allocUnsafe(length);
      handle.read(buffer, 0, length, position).then(
        ({ bytesRead }) => {
          if (bytesRead === 0) {
            this.destroy(new Error("the file ended before the member did (was it truncated meanwhile?)"));
            return;
          }
          position += bytesRead;
          this.push(bytesRead < length ? buffer.subarray(0, bytesRead) : buffer);
        },
        (error: unknown) => this.destroy(error as Error),
      );
    },
  });
}

/** Writes what it is given from `start` on; `written()` is how many bytes that was. */
export function writeFrom(handle: FileHandle, start: number): Writable & { written(): number } {
  let position = start;
  const put = async (bytes: Buffer): Promise<void> => {
    await writeFully(handle, bytes, position);
    position += bytes.length;
  };
  const stream = new Writable({
    highWaterMark: CHUNK_BYTES,
    write(chunk: Buffer, _encoding, done) {
      put(chunk).then(() => done(), done);
    },
    writev(chunks, done) {
      put(Buffer.concat(chunks.map(({ chunk }) => chunk as Buffer))).then(() => done(), done);
    },
  });
  return Object.assign(stream, { written: () => position - start });
}

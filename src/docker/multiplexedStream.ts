// Docker's multiplexed stdout/stderr stream (8-byte frame headers) split back into its two streams.

export type OutputStreamName = "stdout" | "stderr";

export interface OutputChunk {
  stream: OutputStreamName;
  data: Buffer;
}

const HEADER_BYTES = 8;

/**
 * Yields each frame of a multiplexed stream (`[type, 0, 0, 0, size32be] payload`). A frame of
 * stdin (type 0) counts as stdout, as Docker itself does. With `tty`, the stream is raw stdout.
 * Pulling from the source only as fast as the consumer takes frames keeps memory bounded.
 */
export async function* demultiplex(
  source: AsyncIterable<Buffer | string>,
  tty = false,
): AsyncGenerator<OutputChunk> {
  if (tty) {
    for await (const chunk of source) yield { stream: "stdout", data: toBuffer(chunk) };
    return;
  }
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    pending = pending.length === 0 ? toBuffer(chunk) : Buffer.concat([pending, toBuffer(chunk)]);
    while (pending.length >= HEADER_BYTES) {
      const type = pending[0]!;
      if (type > 2 || pending[1] !== 0 || pending[2] !== 0 || pending[3] !== 0) {
        throw new Error(`the Docker output stream is not multiplexed as expected (frame type byte ${type})`);
      }
      const size = pending.readUInt32BE(4);
      if (pending.length < HEADER_BYTES + size) break;
      const data = pending.subarray(HEADER_BYTES, HEADER_BYTES + size);
      pending = pending.subarray(HEADER_BYTES + size);
      if (size > 0) yield { stream: type === 2 ? "stderr" : "stdout", data };
    }
  }
  if (pending.length > 0) throw new Error("the Docker output stream ended in the middle of a frame");
}

function toBuffer(chunk: Buffer | string): Buffer {
  return typeof chunk === "string" ? Buffer.from(chunk) : chunk;
}

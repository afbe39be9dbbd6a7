// Docker's multiplexed output: frames split anywhere across chunks come back whole and on the right stream.
import { describe, expect, it } from "vitest";
import { demultiplex, type OutputChunk } from "./multiplexedStream.js";

function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

async function collect(chunks: Buffer[], tty = false): Promise<OutputChunk[]> {
  async function* source(): AsyncGenerator<Buffer> {
    yield* chunks;
  }
  const out: OutputChunk[] = [];
  for await (const chunk of demultiplex(source(), tty)) out.push(chunk);
  return out;
}

const asText = (chunks: OutputChunk[]) => chunks.map((c) => [c.stream, c.data.toString()]);

describe("demultiplex", () => {
  it("separates stdout and stderr frames", async () => {
    const out = await collect([
      Buffer.concat([frame(1, "out 1\n"), frame(2, "err 1\n"), frame(1, "out 2\n")]),
    ]);
    expect(asText(out)).toEqual([
      ["stdout", "out 1\n"],
      ["stderr", "err 1\n"],
      ["stdout", "out 2\n"],
    ]);
  });

  it("reassembles frames split inside headers and payloads", async () => {
    const whole = Buffer.concat([frame(2, "a fairly long stderr line\n"), frame(1, "x")]);
    const pieces = [whole.subarray(0, 3), whole.subarray(3, 12), whole.subarray(12, 30), whole.subarray(30)];
    expect(asText(await collect(pieces))).toEqual([
      ["stderr", "a fairly long stderr line\n"],
      ["stdout", "x"],
    ]);
  });

  it("passes a TTY stream through as stdout", async () => {
    expect(asText(await collect([Buffer.from("raw tty output")], true))).toEqual([
      ["stdout", "raw tty output"],
    ]);
  });

  it("fails on a stream cut in the middle of a frame", async () => {
    await expect(collect([frame(1, "hello").subarray(0, 10)])).rejects.toThrow(
      "ended in the middle of a frame",
    );
  });

  it("fails on bytes that are not frames", async () => {
    await expect(collect([Buffer.from("not multiplexed at all")])).rejects.toThrow(
      "not multiplexed as expected",
    );
  });
});

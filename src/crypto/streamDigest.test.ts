// The digest of what streamed through, and the running totals on the way.
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import { digestFile, digestingStream } from "./streamDigest.js";

describe("digestingStream", () => {
  it("passes the bytes on unchanged and gives their SHA-256 and size", async () => {
    const chunks = [Buffer.from("hello "), Buffer.alloc(70_000, 7), Buffer.from("world")];
    const totals: number[] = [];
    const meter = digestingStream((total) => totals.push(total));
    const received: Buffer[] = [];
    await pipeline(
      Readable.from(chunks),
      meter.stream,
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          received.push(chunk);
          done();
        },
      }),
    );
    const all = Buffer.concat(chunks);
    expect(Buffer.concat(received)).toEqual(all);
    expect(meter.digest()).toEqual({
      sha256: createHash("sha256").update(all).digest("hex"),
      sizeBytes: all.length,
    });
    expect(totals.at(-1)).toBe(all.length);
    expect(totals).toEqual([...totals].sort((a, b) => a - b));
  });
});

describe("digestFile", () => {
  const dir = tempDirPerTest("digest");

  it("gives a file's SHA-256 and size, across read chunks", async () => {
    const content = Buffer.alloc(3 * 1024 * 1024 + 17, 0x5a);
    const file = path.join(dir(), "big.bin");
    await writeFile(file, content);
    expect(await digestFile(file)).toEqual({
      sha256: createHash("sha256").update(content).digest("hex"),
      sizeBytes: content.length,
    });
  });

  it("fails on a missing file", async () => {
    await expect(digestFile(path.join(dir(), "missing"))).rejects.toThrow(/ENOENT/);
  });
});

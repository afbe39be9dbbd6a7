// Streamed outputs appear whole, with their mode, or not at all (no partial file left behind).
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import { streamToFileAtomically } from "./atomicOutput.js";

const dir = tempDirPerTest("atomic");

describe("streamToFileAtomically", () => {
  it("renames the file into place once a pipeline wrote it, with the mode asked for", async () => {
    const file = path.join(dir(), "out.bin");
    const result = await streamToFileAtomically(
      file,
      async (output) => {
        expect(await readdir(dir())).not.toContain("out.bin");
        await pipeline(Readable.from([Buffer.from("one "), Buffer.from("two")]), output);
        return "done";
      },
      0o644,
    );
    expect(result).toBe("done");
    expect(await readFile(file, "utf8")).toBe("one two");
    expect((await stat(file)).mode & 0o777).toBe(0o644 & ~process.umask());
    expect(await readdir(dir())).toEqual(["out.bin"]);
  });

  it("ends a stream the producer left open, private by default", async () => {
    const file = path.join(dir(), "secret.txt");
    await streamToFileAtomically(file, async (output) => {
      output.write("kept");
    });
    expect(await readFile(file, "utf8")).toBe("kept");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("leaves nothing when the producer fails, and keeps an existing destination", async () => {
    const file = path.join(dir(), "out.bin");
    await streamToFileAtomically(file, async (output) => {
      output.end("old");
    });
    await expect(
      streamToFileAtomically(file, async (output) => {
        output.write("half");
        throw new Error("the source broke");
      }),
    ).rejects.toThrow("the source broke");
    expect(await readFile(file, "utf8")).toBe("old");
    expect(await readdir(dir())).toEqual(["out.bin"]);
  });

  it("fails before producing anything when the directory is missing", async () => {
    let produced = false;
    await expect(
      streamToFileAtomically(path.join(dir(), "missing", "out.bin"), async () => {
        produced = true;
      }),
    ).rejects.toThrow(/ENOENT/);
    expect(produced).toBe(false);
  });
});

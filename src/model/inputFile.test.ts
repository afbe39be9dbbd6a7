// Input documents are checked before they are read: a regular file, of a bounded size.
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import { InputFileError, readInputFile, readInputText } from "./inputFile.js";

const dir = tempDirPerTest("input-file");

async function refusal(promise: Promise<unknown>): Promise<InputFileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputFileError);
  return error as InputFileError;
}

describe("readInputFile", () => {
  it("reads a regular file whole", async () => {
    await writeFile(path.join(dir(), "e.json"), '{"a":1}');
    expect(await readInputText(path.join(dir(), "e.json"), "the evidence file")).toBe('{"a":1}');
  });

  it("names a missing file", async () => {
    const error = await refusal(readInputFile(path.join(dir(), "none.json"), "the evidence file"));
    expect(error.message).toBe(`cannot read the evidence file ${path.join(dir(), "none.json")}`);
  });

  it("refuses a directory", async () => {
    await mkdir(path.join(dir(), "folder"));
    const error = await refusal(readInputFile(path.join(dir(), "folder"), "the evidence file"));
    expect(error.message).toMatch(/folder is not a regular file$/);
  });

  it("refuses a FIFO at once instead of waiting for a writer", async () => {
    const fifo = path.join(dir(), "pipe");
    execFileSync("mkfifo", [fifo]);
    const error = await refusal(readInputFile(fifo, "the key file"));
    expect(error.message).toMatch(/pipe is not a regular file$/);
  });

  it("refuses a file over the limit without reading it", async () => {
    await writeFile(path.join(dir(), "big"), Buffer.alloc(1025));
    const error = await refusal(readInputFile(path.join(dir(), "big"), "the certificate", 1024));
    expect(error.message).toMatch(/big is 1025 bytes, over the 1024-byte limit$/);
  });
});

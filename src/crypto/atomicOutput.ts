// Output files that appear whole or not at all: write a hidden temporary file beside the
// destination, flush it to disk, and only then rename it over the destination.
import { randomBytes } from "node:crypto";
import type { WriteStream } from "node:fs";
import { open, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

/** Plaintext of secrets is for its owner only, so outputs default to 0600. */
export const PRIVATE_FILE_MODE = 0o600;

/** A hidden sibling of the destination (same directory, so the rename is atomic). */
export function temporaryPathFor(destination: string): string {
  const { dir, base } = path.parse(path.resolve(destination));
  return path.join(dir, `.${base}.${randomBytes(6).toString("hex")}.partial`);
}

export async function writeFileAtomically(
  destination: string,
  data: Uint8Array,
  mode: number = PRIVATE_FILE_MODE,
): Promise<void> {
  const temporary = temporaryPathFor(destination);
  try {
    await writeFile(temporary, data, { flag: "wx", mode });
    await syncFile(temporary);
    await rename(temporary, destination);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Runs `produce` with a stream into a temporary file; renames it to `destination` only when
 * `produce` resolves (e.g. after a cipher authenticated everything), removes it otherwise.
 */
export async function streamToFileAtomically<T>(
  destination: string,
  produce: (output: WriteStream) => Promise<T>,
  mode: number = PRIVATE_FILE_MODE,
): Promise<T> {
  const temporary = temporaryPathFor(destination);
  // Opening first surfaces a missing directory or a permission problem before any work is done.
  const handle = await open(temporary, "wx", mode);
  const output = handle.createWriteStream();
  // Errors reach the caller through `produce` (pipeline) or `end`; this keeps a late one from crashing.
  output.on("error", () => undefined);
  try {
    const result = await produce(output);
    if (!output.closed) {
      await new Promise<void>((resolve, reject) => {
        output.once("error", reject);
        output.end(() => resolve());
      });
      await new Promise<void>((resolve) => (output.closed ? resolve() : output.once("close", resolve)));
    }
    await syncFile(temporary);
    await rename(temporary, destination);
    return result;
  } catch (error) {
    output.destroy();
    await new Promise<void>((resolve) => (output.closed ? resolve() : output.once("close", resolve)));
    await rm(temporary, { force: true });
    throw error;
  }
}

async function syncFile(file: string): Promise<void> {
  const handle = await open(file, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

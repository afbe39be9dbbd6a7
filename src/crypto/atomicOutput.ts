// Output files that appear whole or not at all: write a hidden temporary file beside the
// destination, flush it to disk, and only then rename it over the destination.
import { randomBytes } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { open, rename, rm, type FileHandle } from "node:fs/promises";
import { once } from "node:events";
import path from "node:path";
import { finished } from "node:stream/promises";

/** Plaintext of secrets is for its owner only, so outputs default to 0600. */
export const PRIVATE_FILE_MODE = 0o600;

/** A hidden sibling of the destination (same directory, so the rename is atomic). */
export function temporaryPathFor(destination: string): string {
  const { dir, base } = path.parse(path.resolve(destination));
  return path.join(dir, `.${base}.${randomBytes(6).toString("hex")}.partial`);
}

/**
 * Runs `produce` with a handle on a new temporary file; renames it to `destination` only when
 * `produce` resolves (e.g. after a cipher authenticated everything), removes it otherwise.
 */
export async function writeAtomically<T>(
  destination: string,
  produce: (output: FileHandle) => Promise<T>,
  mode: number = PRIVATE_FILE_MODE,
): Promise<T> {
  const temporary = temporaryPathFor(destination);
  // Opening first surfaces a missing directory or a permission problem before any work is done.
  const handle = await open(temporary, "wx", mode);
  let isOpen = true;
  try {
    const result = await produce(handle);
    await handle.sync();
    await handle.close();
    isOpen = false;
    await rename(temporary, destination);
    return result;
  } catch (error) {
    if (isOpen) await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
}

export async function writeFileAtomically(
  destination: string,
  data: Uint8Array,
  mode: number = PRIVATE_FILE_MODE,
): Promise<void> {
  await writeAtomically(destination, (output) => writeFully(output, data), mode);
}

/**
 * Like writeAtomically, with a stream (for pipelines) instead of a handle: `produce` writes (and
 * may end) it; the file is flushed to disk, closed and renamed only once `produce` resolved.
 */
export async function streamToFileAtomically<T>(
  destination: string,
  produce: (output: WriteStream) => Promise<T>,
  mode: number = PRIVATE_FILE_MODE,
): Promise<T> {
  const temporary = temporaryPathFor(destination);
  const output = createWriteStream(temporary, { flags: "wx", mode, flush: true });
  // Errors reach the caller through `produce` (pipeline), `open` or `finished`; this keeps one that
  // comes after a failure (a write cut short by destroy) from crashing the process.
  output.on("error", () => undefined);
  try {
    // Opening first surfaces a missing directory or a permission problem before any work is done.
    await once(output, "open");
    const result = await produce(output);
    if (!output.writableEnded) output.end();
    await finished(output);
    await rename(temporary, destination);
    return result;
  } catch (error) {
    output.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Writes all of `data` at the handle's current position or at `position` (a single write may be partial). */
export async function writeFully(output: FileHandle, data: Uint8Array, position?: number): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const at = position === undefined ? null : position + offset;
    const { bytesWritten } = await output.write(data, offset, data.length - offset, at);
    offset += bytesWritten;
  }
}

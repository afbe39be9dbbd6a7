// Output files that appear whole or not at all: write a hidden temporary file beside the
// destination, flush it to disk, and only then rename it over the destination. A temporary name
// carries the writer's process id, so that the next command can remove what a killed one left.
import { randomBytes } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { open, readdir, rename, rm, type FileHandle } from "node:fs/promises";
import { once } from "node:events";
import path from "node:path";
import { finished } from "node:stream/promises";

/** Plaintext of secrets is for its owner only, so outputs default to 0600. */
export const PRIVATE_FILE_MODE = 0o600;

/** A hidden sibling of the destination (same directory, so the rename is atomic). */
export function temporaryPathFor(destination: string): string {
  const { dir, base } = path.parse(path.resolve(destination));
  return path.join(dir, `.${base}.${process.pid}-${randomBytes(6).toString("hex")}.partial`);
}

/** `.<name>.<pid>-<12 hex>.partial`, as temporaryPathFor names them. */
const TEMPORARY_NAME = /^\..+\.([1-9][0-9]{0,9})-[0-9a-f]{12}\.partial$/;

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the temporary files (and working directories) a killed process left in `directory`:
 * those whose writer is no longer running on this machine. Another writer's live temporaries stay.
 * Returns the names removed; a directory that cannot be read is left alone.
 */
export async function removeStaleTemporaries(directory: string): Promise<string[]> {
  const entries = await readdir(directory).catch(() => [] as string[]);
  const stale = entries.filter((entry) => {
    const match = TEMPORARY_NAME.exec(entry);
    return match !== null && Number(match[1]) !== process.pid && !processIsAlive(Number(match[1]));
  });
  for (const entry of stale) await rm(path.join(directory, entry), { recursive: true, force: true });
  return stale;
}

/** The file system holding an output is full (or the user's quota is spent). */
export class NoSpaceError extends Error {
  readonly code = "ENOSPC";
  constructor(
    readonly directory: string,
    writing?: string,
  ) {
    super(
      `no space left on the file system of ${directory}${writing ? ` for ${writing}` : ""} (nothing half-written was kept); free some space or write elsewhere`,
    );
    this.name = "NoSpaceError";
  }
}

/** True when the error, or one of its causes, is a full file system or an exhausted quota. */
export function isNoSpace(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 8; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (code === "ENOSPC" || code === "EDQUOT") return true;
    // Some layers keep only the system error's text (e.g. in a stream's message).
    if (typeof message === "string" && /\b(ENOSPC|EDQUOT)\b/.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** A full file system becomes one sentence naming the directory written; anything else is kept. */
export function explainNoSpace(error: unknown, directory: string, writing?: string): unknown {
  if (error instanceof NoSpaceError || !isNoSpace(error)) return error;
  return new NoSpaceError(directory, writing);
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

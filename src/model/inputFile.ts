// Small input documents (evidence, collateral, certificates, quotes, keys, configuration) are read
// whole, so they are checked first: a regular file, of a bounded size. A directory, a FIFO or a
// runaway file is then one sentence, never an EISDIR, a read that waits forever or gigabytes in memory.
import { constants } from "node:fs";
import { open } from "node:fs/promises";

/** Far above any document msehome reads whole (evidence is tens of KiB), far below memory trouble. */
export const MAX_INPUT_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** An input file that cannot be read: missing, unreadable, not a regular file, too large. */
export class InputFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "InputFileError";
  }
}

/**
 * The bytes of `file`, which `what` names in errors ("the evidence file"). Opened without blocking
 * (a FIFO would otherwise wait for a writer), then checked on the open descriptor.
 */
export async function readInputFile(
  file: string,
  what: string,
  maxBytes: number = MAX_INPUT_DOCUMENT_BYTES,
): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    throw new InputFileError(`cannot read ${what} ${file}`, { cause });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new InputFileError(`${what} ${file} is not a regular file`);
    if (info.size > maxBytes) {
      throw new InputFileError(`${what} ${file} is ${info.size} bytes, over the ${maxBytes}-byte limit`);
    }
    const bytes = await handle.readFile();
    if (bytes.length > maxBytes) {
      throw new InputFileError(`${what} ${file} grew past ${maxBytes} bytes while it was read`);
    }
    return bytes;
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    throw new InputFileError(`cannot read ${what} ${file}`, { cause: error });
  } finally {
    await handle.close();
  }
}

/** Like readInputFile, as UTF-8 text. */
export async function readInputText(file: string, what: string, maxBytes?: number): Promise<string> {
  return (await readInputFile(file, what, maxBytes)).toString("utf8");
}

// Where each member of a tar file is, found by reading its headers only (a few blocks, whatever the
// members' sizes): members can then be read, streamed or checked in place, without extracting.
// Understands ustar, pax (per-file and global) and GNU long names, and sizes in base-256.
import type { FileHandle } from "node:fs/promises";
import { Header, type HeaderData, Pax } from "tar";
import { BLOCK_BYTES, paddingAfter } from "./streamedTar.js";

export interface TarMemberLocation {
  /** The member's path as stored (pax and GNU long names applied). */
  name: string;
  /** node-tar's type name: "File", "Directory", "SymbolicLink"… */
  type: string;
  /** Offset of the member's first data byte in the file. */
  offset: number;
  size: number;
}

/** Not a well-formed tar: a header is corrupted, or the archive is cut short. */
export class TarIndexError extends Error {
  constructor(archive: string, reason: string) {
    super(`${archive} is not a valid tar archive: ${reason}`);
    this.name = "TarIndexError";
  }
}

export interface TarIndexOptions {
  /** Where the tar starts in the file (a tar inside another one), default 0. */
  start?: number;
  /** Where it ends (exclusive), default the file's size. */
  end?: number;
  /** Most members to accept before refusing the archive. */
  maxMembers?: number;
}

/** Extension records (pax, GNU long names) are small; anything larger is an attack or damage. */
const MAX_EXTENSION_BYTES = 1024 * 1024;
const DEFAULT_MAX_MEMBERS = 100_000;

async function readExactly(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** Lists the members of the tar in `handle` (or in its byte range) in archive order. */
export async function indexTar(
  handle: FileHandle,
  archive: string,
  options: TarIndexOptions = {},
): Promise<TarMemberLocation[]> {
  const start = options.start ?? 0;
  const end = options.end ?? (await handle.stat()).size;
  const maxMembers = options.maxMembers ?? DEFAULT_MAX_MEMBERS;
  const members: TarMemberLocation[] = [];
  let extended: HeaderData | undefined;
  let global: HeaderData | undefined;
  let position = start;
  for (;;) {
    if (position + BLOCK_BYTES > end) {
      // A tar may end without its zero blocks (some writers stop there); only a partial header is damage.
      if (position === end) return members;
      throw new TarIndexError(archive, "it ends inside a header");
    }
    const block = await readExactly(handle, position, BLOCK_BYTES);
    if (block.length < BLOCK_BYTES) throw new TarIndexError(archive, "it ends inside a header");
    const corrupted = () => new TarIndexError(archive, `the header at byte ${position - start} is corrupted`);
    let header: Header;
    try {
      header = new Header(block, 0, extended, global);
    } catch {
      // node-tar throws plain errors on a number field it cannot decode (a bad base-256 prefix).
      throw corrupted();
    }
    if (header.nullBlock) return members;
    if (!header.cksumValid) throw corrupted();
    const size = header.size ?? 0;
    const offset = position + BLOCK_BYTES;
    if (!Number.isSafeInteger(size) || size < 0 || offset + size > end) {
      throw new TarIndexError(archive, `${header.path ?? "a member"} is cut short`);
    }
    position = offset + size + paddingAfter(size);
    switch (header.type) {
      case "ExtendedHeader":
      case "GlobalExtendedHeader":
      case "NextFileHasLongPath":
      case "NextFileHasLongLinkpath": {
        if (size > MAX_EXTENSION_BYTES)
          throw new TarIndexError(archive, "an extended header is implausibly large");
        const text = (await readExactly(handle, offset, size)).toString("utf8");
        if (header.type === "ExtendedHeader") extended = Pax.parse(text, extended, false);
        else if (header.type === "GlobalExtendedHeader") global = Pax.parse(text, global, true);
        else if (header.type === "NextFileHasLongLinkpath")
          extended = { ...extended, linkpath: text.replace(/\0.*/s, "") };
        else extended = { ...extended, path: text.replace(/\0.*/s, "") };
        continue;
      }
      default:
        extended = undefined;
    }
    if (members.length >= maxMembers)
      throw new TarIndexError(archive, `it holds more than ${maxMembers} members`);
    members.push({ name: header.path ?? "", type: header.type, offset, size });
  }
}

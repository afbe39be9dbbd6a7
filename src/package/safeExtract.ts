// Extracting tars that may come from someone else: nothing is ever written outside the target.
// Refused: absolute paths, "..", links that leave the target, devices and FIFOs, entries or totals
// over a limit. Writes never pass through a symbolic link, and every symbolic link is resolved
// against the extracted tree before the extraction counts as done.
import { createReadStream } from "node:fs";
import { link, lstat, mkdir, open, readlink, realpath, rm, rmdir, symlink, unlink } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import { writeFully } from "../crypto/atomicOutput.js";

export interface ExtractLimits {
  /** Largest single member, in bytes. */
  maxEntryBytes?: number;
  /** Largest sum of member sizes, in bytes. */
  maxTotalBytes?: number;
  /** Most members (of any type). */
  maxEntries?: number;
}

const GiB = 1024 ** 3;
/** Generous enough for a package holding a Docker image; callers extracting code pass tighter ones. */
export const DEFAULT_EXTRACT_LIMITS: Required<ExtractLimits> = {
  maxEntryBytes: 16 * GiB,
  maxTotalBytes: 32 * GiB,
  maxEntries: 100_000,
};
/** Linux's limits on a file name and on a path (NAME_MAX, PATH_MAX), in bytes. */
const MAX_NAME_BYTES = 255;
const MAX_PATH_BYTES = 4095;
/** Linux gives up after 40 nested symbolic links; so does the escape check. */
const MAX_LINK_HOPS = 40;

/** The archive is not a well-formed tar: truncated, or a header is corrupted. */
export class CorruptArchiveError extends Error {
  constructor(archive: string, reason: string) {
    super(`${archive} is not a valid tar archive: ${reason}`);
    this.name = "CorruptArchiveError";
  }
}

/** A member the extractor refuses; `member` is its name as stored in the archive. */
export class UnsafeArchiveError extends Error {
  readonly member: string;
  constructor(archive: string, member: string, reason: string) {
    super(`refusing to extract ${JSON.stringify(member)} from ${archive}: ${reason}`);
    this.name = "UnsafeArchiveError";
    this.member = member;
  }
}

/**
 * Extracts a tar into `targetDir` (created when missing) and returns the member paths written,
 * in archive order. On any refusal or error, everything this call created is removed again
 * (the whole target when this call created it), and an UnsafeArchiveError names the member.
 */
export async function extractTarSafely(
  source: string | NodeJS.ReadableStream,
  targetDir: string,
  limits: ExtractLimits = {},
): Promise<string[]> {
  const { maxEntryBytes, maxTotalBytes, maxEntries } = { ...DEFAULT_EXTRACT_LIMITS, ...limits };
  const archive = typeof source === "string" ? path.basename(source) : "the archive";
  let createdRoot: string | undefined;
  let root: string;
  try {
    createdRoot = await mkdir(path.resolve(targetDir), { recursive: true });
    // The real path, so that checks below compare against what the kernel resolves.
    root = await realpath(targetDir);
  } catch (cause) {
    throw new Error(`cannot extract ${archive} into ${targetDir}`, { cause });
  }

  const created: string[] = []; // absolute paths, in creation order
  const links: string[] = []; // relative paths of symbolic links created
  const extracted: string[] = [];
  const refuse = (member: string, reason: string) => new UnsafeArchiveError(archive, member, reason);

  const extract = tar.extract();
  const input = typeof source === "string" ? createReadStream(source) : source;
  const feeding = pipeline(input as NodeJS.ReadableStream, extract);
  feeding.catch(() => undefined); // reported through the iteration below
  // Why tar-stream gave up, when it did: the entry being read may only report "destroyed".
  let tarError: unknown;
  extract.on("error", (error: unknown) => (tarError ??= error));

  /** Makes sure every directory of `segments` exists as a real directory, creating missing ones. */
  const ensureDirectories = async (member: string, segments: string[]): Promise<void> => {
    let current = root;
    for (const segment of segments) {
      current = path.join(current, segment);
      const info = await lstat(current).catch(() => undefined);
      if (info === undefined) {
        await mkdir(current, { mode: 0o755 });
        created.push(current);
      } else if (info.isSymbolicLink()) {
        throw refuse(member, `it would be written through the symbolic link ${relativeOf(root, current)}`);
      } else if (!info.isDirectory()) {
        throw refuse(member, `${relativeOf(root, current)} is not a directory`);
      }
    }
  };

  try {
    let count = 0;
    let total = 0;
    for await (const entry of extract) {
      const header = entry.header;
      const member = header.name;
      if (++count > maxEntries) throw refuse(member, `the archive has more than ${maxEntries} members`);
      const segments = memberSegments(member, refuse);
      const type = header.type;
      if (segments.length === 0) {
        if (type !== "directory") throw refuse(member, "it has no name");
        entry.resume();
        continue;
      }
      const relative = segments.join("/");
      const absolute = path.join(root, ...segments);
      if (Buffer.byteLength(absolute) > MAX_PATH_BYTES)
        throw refuse(member, "its path is too long for a file system");
      await ensureDirectories(member, segments.slice(0, -1));

      if (type === "directory") {
        await ensureDirectories(member, segments);
        entry.resume();
      } else if (type === "file" || type === "contiguous-file") {
        const size = header.size;
        if (size > maxEntryBytes)
          throw refuse(member, `it is ${size} bytes, over the ${maxEntryBytes}-byte limit`);
        total += size;
        if (total > maxTotalBytes) {
          throw refuse(member, `the members add up to more than the ${maxTotalBytes}-byte limit`);
        }
        // "wx" never follows or replaces an existing path (a planted symbolic link included).
        const handle = await open(absolute, "wx", (header.mode & 0o111) !== 0 ? 0o755 : 0o644).catch(
          (error: NodeJS.ErrnoException) => {
            if (error.code === "EEXIST")
              throw refuse(member, "a file of that name already exists in the target");
            throw error;
          },
        );
        created.push(absolute);
        try {
          // The entry's own iterator, not stream.pipeline: pipeline never settles on an entry that
          // tar-stream already destroyed (an archive truncated inside it), so the extraction hung.
          for await (const chunk of entry) await writeFully(handle, chunk as Uint8Array);
        } finally {
          await handle.close();
        }
      } else if (type === "symlink") {
        const target = header.linkname ?? "";
        if (Buffer.byteLength(target) > MAX_PATH_BYTES) throw refuse(member, "its link target is too long");
        if (target === "" || target.startsWith("/")) {
          throw refuse(member, `it is a symbolic link to ${JSON.stringify(target)}, outside the target`);
        }
        const lexical = path.posix.normalize(path.posix.join(path.posix.dirname(relative), target));
        if (lexical === ".." || lexical.startsWith("../")) {
          throw refuse(member, `it is a symbolic link to ${JSON.stringify(target)}, outside the target`);
        }
        await symlink(target, absolute).catch((error: NodeJS.ErrnoException) => {
          if (error.code === "EEXIST")
            throw refuse(member, "a file of that name already exists in the target");
          throw error;
        });
        created.push(absolute);
        links.push(relative);
        entry.resume();
      } else if (type === "link") {
        const targetName = header.linkname ?? "";
        // A hard link names another member: the same rules apply to it, and it must point inside.
        const targetSegments = memberSegments(targetName, () =>
          refuse(member, `it is a hard link to ${JSON.stringify(targetName)}, outside the target`),
        );
        if (targetSegments.length === 0) throw refuse(member, "it is a hard link without a target");
        await ensureExistingDirectories(root, targetSegments.slice(0, -1), (reason) =>
          refuse(member, `its hard-link target ${reason}`),
        );
        const targetPath = path.join(root, ...targetSegments);
        const info = await lstat(targetPath).catch(() => undefined);
        if (!info?.isFile()) {
          throw refuse(
            member,
            `it is a hard link to ${JSON.stringify(targetName)}, not a regular file in the target`,
          );
        }
        await link(targetPath, absolute).catch((error: NodeJS.ErrnoException) => {
          if (error.code === "EEXIST")
            throw refuse(member, "a file of that name already exists in the target");
          throw error;
        });
        created.push(absolute);
        entry.resume();
      } else {
        const kind = type === null ? "member of an unknown type" : type.replace(/-/g, " ");
        throw refuse(member, `it is a ${kind}, which a package never holds`);
      }
      extracted.push(relative);
    }
    await feeding;
    for (const relative of links) {
      const escape = await linkEscapes(root, relative);
      if (escape) throw refuse(relative, `its symbolic link resolves outside the target (${escape})`);
    }
    return extracted;
  } catch (error) {
    extract.destroy();
    await undo(createdRoot, created);
    if (error instanceof UnsafeArchiveError) throw error;
    const reason = isTarFormatError(tarError) ? tarError : isTarFormatError(error) ? error : undefined;
    if (reason) throw new CorruptArchiveError(archive, tarFormatReason(reason));
    throw new Error(`cannot extract ${archive}`, { cause: error });
  }
}

/**
 * tar-stream reports a malformed archive with a plain Error (no errno code): "Unexpected end of
 * data", "Invalid tar header…". System errors (reading the file, writing the target) carry a code.
 */
function isTarFormatError(error: unknown): error is Error {
  return (
    error instanceof Error && error.constructor === Error && (error as { code?: unknown }).code === undefined
  );
}

/** tar-stream's reason in the sentence's words (its own message goes on after a "."). */
function tarFormatReason(error: Error): string {
  if (/unexpected end of data/i.test(error.message)) return "it is truncated";
  return error.message.split(/[.\n]/)[0]!.trim().toLowerCase() || "unreadable header";
}

/** A member name as path segments ("./" and empty segments dropped); refuses absolute names and "..". */
function memberSegments(member: string, refuse: (member: string, reason: string) => Error): string[] {
  if (member.startsWith("/")) throw refuse(member, "it is an absolute path");
  if (member.includes("\0")) throw refuse(member, "its name contains a NUL byte");
  const segments = member.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) throw refuse(member, 'its path contains ".."');
  if (segments.some((s) => Buffer.byteLength(s) > MAX_NAME_BYTES)) {
    throw refuse(member, "its name is too long for a file system");
  }
  return segments;
}

/** Checks that every directory of `segments` exists as a real directory (no symbolic link on the way). */
async function ensureExistingDirectories(
  root: string,
  segments: string[],
  refuse: (reason: string) => Error,
): Promise<void> {
  let current = root;
  for (const segment of segments) {
    current = path.join(current, segment);
    const info = await lstat(current).catch(() => undefined);
    if (!info?.isDirectory()) throw refuse(`passes through ${relativeOf(root, current)}, not a directory`);
  }
}

/**
 * Follows the symbolic link at `relative` through the extracted tree, hop by hop, and says how it
 * leaves the target (or undefined when it stays inside, dangling links included).
 */
async function linkEscapes(root: string, relative: string): Promise<string | undefined> {
  const stack = relative.split("/").slice(0, -1);
  const pending = (await readlink(path.join(root, ...relative.split("/")))).split("/");
  let hops = 0;
  let onDisk = true; // once a component is missing, the rest resolves lexically
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (stack.length === 0) return `via ${relative}`;
      stack.pop();
      continue;
    }
    stack.push(part);
    if (!onDisk) continue;
    const current = path.join(root, ...stack);
    const info = await lstat(current).catch(() => undefined);
    if (info === undefined) {
      onDisk = false;
    } else if (info.isSymbolicLink()) {
      if (++hops > MAX_LINK_HOPS) return `more than ${MAX_LINK_HOPS} nested links from ${relative}`;
      const target = await readlink(current);
      if (target.startsWith("/")) return `via ${stack.join("/")}`;
      stack.pop();
      pending.unshift(...target.split("/"));
    }
  }
  return undefined;
}

/** Removes what an extraction created: the whole target when it created it, else its own paths. */
async function undo(createdRoot: string | undefined, created: string[]): Promise<void> {
  if (createdRoot !== undefined) {
    await rm(createdRoot, { recursive: true, force: true });
    return;
  }
  for (const file of created.reverse()) {
    const info = await lstat(file).catch(() => undefined);
    if (info === undefined) continue;
    if (info.isDirectory()) await rmdir(file).catch(() => undefined);
    else await unlink(file).catch(() => undefined);
  }
}

function relativeOf(root: string, absolute: string): string {
  return path.relative(root, absolute).split(path.sep).join("/");
}

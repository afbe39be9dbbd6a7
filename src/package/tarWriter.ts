// Deterministic tar writing: the same entries give the same bytes (sorted members, mtime 0, uid/gid 0,
// no user or group names, modes normalised), and file contents stream so multi-GiB members stay cheap.
import { createReadStream } from "node:fs";
import { lstat, readlink, stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import { streamToFileAtomically } from "../crypto/atomicOutput.js";
import { compareUtf8, listDirectoryFiles, type PackagedFile } from "./ignore.js";

/** A member to write. `mode` only matters through its executable bits (0755 if any is set, else 0644). */
export type TarEntry =
  | { path: string; mode?: number; content: Uint8Array }
  | { path: string; mode?: number; file: string }
  | { path: string; type: "directory" }
  | { path: string; symlink: string };

export const FILE_MODE = 0o644;
export const EXECUTABLE_MODE = 0o755;
export const DIRECTORY_MODE = 0o755;
const SYMLINK_MODE = 0o777;
const EPOCH = new Date(0);

/** A member path or link target the writer refuses, named in the message. */
export class TarPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TarPathError";
  }
}

export function normaliseMode(mode: number | undefined): number {
  return mode !== undefined && (mode & 0o111) !== 0 ? EXECUTABLE_MODE : FILE_MODE;
}

/**
 * Writes `entries` as a tar to a stream or a file path. A path is written to a temporary file and
 * renamed only once the tar is complete. Entries are sorted by path (UTF-8 bytes); duplicates,
 * absolute paths, `..` and symbolic links leaving the archive are refused.
 */
export async function writeDeterministicTar(
  entries: readonly TarEntry[],
  destination: NodeJS.WritableStream | string,
): Promise<void> {
  const sorted = checkEntries(entries);
  if (typeof destination !== "string") return pack(sorted, destination);
  await streamToFileAtomically(destination, (output) => pack(sorted, output), FILE_MODE);
}

export interface DirectoryFile extends PackagedFile {
  /** Where the file is on disk. */
  absolutePath: string;
  /** The file's permission bits on disk. */
  mode: number;
}

export interface TarDirectoryOptions {
  /** Apply `<dir>/.mseignore` (default true). */
  ignore?: boolean;
  /**
   * Turns each regular file into the entry to write (e.g. `<file>.enc` with encrypted content).
   * Symbolic links are written as they are. Default: the file itself, streamed.
   */
  transform?: (file: DirectoryFile) => TarEntry | Promise<TarEntry>;
}

/**
 * Tars a directory deterministically: its (non-ignored) files, their parent directories, and its
 * symbolic links when they point inside it. Returns the member paths written, in order.
 */
export async function tarDirectory(
  directory: string,
  destination: NodeJS.WritableStream | string,
  options: TarDirectoryOptions = {},
): Promise<string[]> {
  const files = await listDirectoryFiles(directory, { ignore: options.ignore !== false });
  const entries: TarEntry[] = [];
  const directories = new Set<string>();
  for (const found of files) {
    const absolutePath = path.join(directory, ...found.path.split("/"));
    let entry: TarEntry;
    if (found.kind === "symlink") {
      entry = { path: found.path, symlink: await readlink(absolutePath) };
    } else {
      const { mode } = await lstat(absolutePath);
      const file: DirectoryFile = { ...found, absolutePath, mode: mode & 0o7777 };
      entry = options.transform
        ? await options.transform(file)
        : { path: found.path, mode, file: absolutePath };
    }
    entries.push(entry);
    const segments = entry.path.split("/");
    for (let i = 1; i < segments.length; i++) directories.add(segments.slice(0, i).join("/"));
  }
  for (const dir of directories) entries.push({ path: dir, type: "directory" });
  await writeDeterministicTar(entries, destination);
  return checkEntries(entries).map((e) => ("type" in e ? `${e.path}/` : e.path));
}

function checkEntries(entries: readonly TarEntry[]): TarEntry[] {
  const seen = new Set<string>();
  for (const entry of entries) {
    checkMemberPath(entry.path);
    if (seen.has(entry.path))
      throw new TarPathError(`the tar member ${JSON.stringify(entry.path)} appears twice`);
    seen.add(entry.path);
    if ("symlink" in entry) checkLinkTarget(entry.path, entry.symlink);
  }
  return [...entries].sort((a, b) => compareUtf8(a.path, b.path));
}

function checkMemberPath(member: string): void {
  const problem =
    member.length === 0
      ? "is empty"
      : member.startsWith("/")
        ? "is absolute"
        : member.includes("\0") || member.includes("\\")
          ? "contains a NUL or a backslash"
          : member.split("/").some((s) => s === "" || s === "." || s === "..")
            ? 'has an empty, "." or ".." segment'
            : undefined;
  if (problem) throw new TarPathError(`the tar member path ${JSON.stringify(member)} ${problem}`);
}

function checkLinkTarget(member: string, target: string): void {
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(member), target));
  if (target.length === 0 || target.startsWith("/") || resolved === ".." || resolved.startsWith("../")) {
    throw new TarPathError(
      `the symbolic link ${member} points to ${JSON.stringify(target)}, outside the directory being packaged`,
    );
  }
}

async function pack(entries: readonly TarEntry[], destination: NodeJS.WritableStream): Promise<void> {
  const packer = tar.pack();
  const output = pipeline(packer, destination);
  const input = (async () => {
    for (const entry of entries) await addEntry(packer, entry);
    packer.finalize();
  })();
  input.catch((error: unknown) => packer.destroy(error as Error));
  await Promise.all([output, input]);
}

function header(
  name: string,
  mode: number,
  rest: Partial<tar.Header>,
): Partial<tar.Header> & { name: string } {
  return { name, mode, mtime: EPOCH, uid: 0, gid: 0, uname: "", gname: "", ...rest };
}

async function addEntry(packer: tar.Pack, entry: TarEntry): Promise<void> {
  if ("type" in entry) {
    await entryDone(packer, header(`${entry.path}/`, DIRECTORY_MODE, { type: "directory" }));
  } else if ("symlink" in entry) {
    await entryDone(packer, header(entry.path, SYMLINK_MODE, { type: "symlink", linkname: entry.symlink }));
  } else if ("content" in entry) {
    const content = Buffer.from(entry.content.buffer, entry.content.byteOffset, entry.content.byteLength);
    await entryDone(packer, header(entry.path, normaliseMode(entry.mode), { type: "file" }), content);
  } else {
    const info = await stat(entry.file);
    if (!info.isFile()) throw new TarPathError(`${entry.file} is not a regular file`);
    const fileHeader = header(entry.path, normaliseMode(entry.mode ?? info.mode), {
      type: "file",
      size: info.size,
    });
    await new Promise<void>((resolve, reject) => {
      const sink = packer.entry(fileHeader, (error) => (error ? reject(error) : resolve()));
      // tar-stream refuses a size mismatch, so a file changing while it is packed cannot corrupt the tar.
      pipeline(createReadStream(entry.file, { highWaterMark: 1 << 20 }), sink).catch(reject);
    });
  }
}

function entryDone(
  packer: tar.Pack,
  entryHeader: Partial<tar.Header> & { name: string },
  content?: Buffer,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const callback = (error?: Error | null) => (error ? reject(error) : resolve());
    if (content) packer.entry(entryHeader, content, callback);
    else packer.entry(entryHeader, callback);
  });
}

// Which files of a code directory get packaged: everything except what `.mseignore` excludes, with
// .gitignore semantics (the `ignore` package), case-sensitive as git is on Linux.
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import ignore, { type Ignore } from "ignore";

export const MSEIGNORE_FILE = ".mseignore";

export interface PackagedFile {
  /** POSIX path relative to the code directory. */
  path: string;
  kind: "file" | "symlink";
}

/** A code directory entry msehome cannot package (a FIFO, socket or device). */
export class UnpackageableFileError extends Error {
  constructor(relativePath: string, what: string) {
    super(
      `${relativePath} is ${what}; a package holds only regular files, directories and symbolic links (delete it or list it in ${MSEIGNORE_FILE})`,
    );
    this.name = "UnpackageableFileError";
  }
}

/**
 * The rules of `<dir>/.mseignore` (none when it does not exist). Only the top-level file counts.
 * The ignore file is an ordinary file: it is packaged unless it matches its own patterns.
 */
export async function readIgnoreRules(directory: string): Promise<Ignore> {
  const rules = ignore({ ignorecase: false });
  try {
    rules.add(await readFile(path.join(directory, MSEIGNORE_FILE), "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  return rules;
}

/** Sorted (by UTF-8 bytes) POSIX relative paths of the files `.mseignore` lets through. */
export async function listPackagedFiles(directory: string): Promise<string[]> {
  return (await listDirectoryFiles(directory, { ignore: true })).map((f) => f.path);
}

/**
 * Regular files and symbolic links under `directory` (links are listed, never followed), sorted by
 * UTF-8 bytes. With `ignore`, `.mseignore` decides as .gitignore would: an excluded directory is not
 * entered, so nothing below it can be re-included; empty directories are not listed.
 */
export async function listDirectoryFiles(
  directory: string,
  options: { ignore?: boolean } = {},
): Promise<PackagedFile[]> {
  const rules = options.ignore === false ? ignore() : await readIgnoreRules(directory);
  const found: PackagedFile[] = [];
  const walk = async (relativeDir: string): Promise<void> => {
    const entries = await readdir(path.join(directory, relativeDir), { withFileTypes: true });
    for (const entry of entries) {
      const relative = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!rules.ignores(`${relative}/`)) await walk(relative);
        continue;
      }
      if (rules.ignores(relative)) continue;
      if (entry.isFile()) found.push({ path: relative, kind: "file" });
      else if (entry.isSymbolicLink()) found.push({ path: relative, kind: "symlink" });
      else throw new UnpackageableFileError(relative, describeSpecial(entry));
    }
  };
  await walk("");
  return found.sort((a, b) => compareUtf8(a.path, b.path));
}

/** Byte order of UTF-8, the order a tar lists its members in, independent of locale. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function describeSpecial(entry: {
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
}): string {
  if (entry.isFIFO()) return "a FIFO";
  if (entry.isSocket()) return "a socket";
  if (entry.isCharacterDevice()) return "a character device";
  return "a block device";
}

// A small file system for tests of a full disk: a tmpfs of a given size mounted on a new directory
// (mounting needs root, as CI runs), unmounted and removed again by the test.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface SmallFileSystem {
  directory: string;
  /** Every entry, hidden ones included, to show nothing was left behind. */
  entries(): Promise<string[]>;
  remove(): Promise<void>;
}

export async function mountSmallFileSystem(sizeBytes: number): Promise<SmallFileSystem> {
  const directory = await mkdtemp(path.join(tmpdir(), "msehome-full-"));
  try {
    await run("mount", ["-t", "tmpfs", "-o", `size=${sizeBytes},mode=0755`, "tmpfs", directory]);
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw new Error(`mounting a ${sizeBytes}-byte tmpfs on ${directory} needs root`, { cause: error });
  }
  return {
    directory,
    entries: async () => (await readdir(directory)).sort(),
    remove: async () => {
      await run("umount", [directory]).catch(() => run("umount", ["-l", directory]));
      await rm(directory, { recursive: true, force: true });
    },
  };
}

// A small file system for tests of a full disk: a tmpfs of a given size mounted on a new directory
// (mounting needs root, as CI runs), unmounted and removed again by the test. With `freeBytes`, a
// filler file beside the test's directory leaves only that much room: a command writing only
// kilobytes still meets a full disk.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, statfs, writeFile } from "node:fs/promises";
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

export async function mountSmallFileSystem(
  sizeBytes: number,
  options: { freeBytes?: number } = {},
): Promise<SmallFileSystem> {
  const mountPoint = await mkdtemp(path.join(tmpdir(), "msehome-full-"));
  try {
    await run("mount", ["-t", "tmpfs", "-o", `size=${sizeBytes},mode=0755`, "tmpfs", mountPoint]);
  } catch (error) {
    await rm(mountPoint, { recursive: true, force: true });
    throw new Error(`mounting a ${sizeBytes}-byte tmpfs on ${mountPoint} needs root`, { cause: error });
  }
  const remove = async (): Promise<void> => {
    await run("umount", [mountPoint]).catch(() => run("umount", ["-l", mountPoint]));
    await rm(mountPoint, { recursive: true, force: true });
  };
  let directory = mountPoint;
  if (options.freeBytes !== undefined) {
    try {
      directory = path.join(mountPoint, "space");
      await mkdir(directory);
      const { bavail, bsize } = await statfs(mountPoint);
      await writeFile(
        path.join(mountPoint, "filler"),
        Buffer.alloc(Math.max(0, bavail * bsize - options.freeBytes)),
      );
    } catch (error) {
      await remove();
      throw error;
    }
  }
  return { directory, entries: async () => (await readdir(directory)).sort(), remove };
}

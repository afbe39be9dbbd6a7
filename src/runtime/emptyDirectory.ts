// Emptying a directory without removing it. The app, secrets and code directories are mount points
// (tmpfs in the enclave and in the container): Gramine refuses rmdir on a mount root (EACCES) and
// renames of directories (ENOSYS), Linux refuses both on a mount point (EBUSY), so the runtime only
// ever removes what is inside them.
import { mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";

/** Removes everything inside `dir` and leaves `dir` itself in place (created when missing). */
export async function emptyDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const entry of await readdir(dir)) {
    await rm(path.join(dir, entry), { recursive: true, force: true });
  }
}

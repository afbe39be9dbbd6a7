// Entering the simulated enclave's view of its files. msehome-run starts as root to unpack the code;
// before any code of the app is loaded it makes the code read-only to everyone but root, hands the
// enclave's writable mounts (app, secrets, storage) to an unprivileged user and becomes that user for
// good. From then on the kernel refuses the app what Gramine refuses an enclave: writing, creating,
// renaming or deleting anything in the code directory, the runtime or the packages (EACCES, or EROFS
// on the read-only root), while the app directory, secrets, /tmp and storage stay writable.
import { chmod, lchown, lstat, readdir } from "node:fs/promises";
import path from "node:path";

export interface EnclaveUser {
  uid: number;
  gid: number;
}

/** Directories the enclave writes, each handed to the enclave user with what it already holds. */
export interface EnclaveWritableDirs {
  codeDir: string;
  appDir: string;
  secretsDir: string;
  storageDir: string;
}

/** Visits `dir` and everything under it (symbolic links are not followed). */
async function walk(
  dir: string,
  visit: (file: string, isDirectory: boolean) => Promise<void>,
): Promise<void> {
  await visit(dir, true);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) await walk(file, visit);
    else await visit(file, false);
  }
}

/**
 * Leaves the code owned by root (when run as root, as msehome-run is) and writable by its owner alone: write bits of group and others, set-id
 * and sticky bits cleared (a tar may ship a 0777 directory). Contents are untouched, so the
 * measurement is the same.
 */
export async function makeCodeReadOnly(codeDir: string): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  await walk(codeDir, async (file) => {
    const stats = await lstat(file);
    if (stats.isSymbolicLink()) return;
    if (asRoot && (stats.uid !== 0 || stats.gid !== 0)) await lchown(file, 0, 0);
    if ((stats.mode & 0o7777) !== (stats.mode & 0o755)) await chmod(file, stats.mode & 0o755);
  });
}

/**
 * Makes the code read-only, gives the writable mounts to `user`, then drops root: supplementary
 * groups, group and user, all at once and for good (a process that was root and sets its user id
 * keeps no capability and cannot get root back).
 */
export async function becomeEnclaveUser(dirs: EnclaveWritableDirs, user: EnclaveUser): Promise<void> {
  if (process.getuid?.() !== 0 || !process.setuid || !process.setgid || !process.setgroups) {
    throw new Error("msehome-run must start as root to enter the simulated enclave's user");
  }
  await makeCodeReadOnly(dirs.codeDir);
  for (const dir of [dirs.appDir, dirs.secretsDir]) await lchown(dir, user.uid, user.gid);
  await walk(dirs.storageDir, (file) => lchown(file, user.uid, user.gid));
  process.setgroups([]);
  process.setgid(user.gid);
  process.setuid(user.uid);
  if (process.getuid() !== user.uid || process.geteuid?.() !== user.uid) {
    throw new Error(`msehome-run could not become user ${user.uid}`);
  }
}

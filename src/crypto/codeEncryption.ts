// Code encryption on disk: each file of an app becomes `<file>.enc` (a secret box), and inside the
// enclave every `.enc` file turns back into the original, all files checked before any is replaced.
import { lstat, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { temporaryPathFor, writeFileAtomically } from "./atomicOutput.js";
import { secretBoxOpen, secretBoxSeal } from "./secretBox.js";
import { DecryptionError } from "./errors.js";

export const ENCRYPTED_SUFFIX = ".enc";

/** Reads a file and returns its secret box (the bytes of `<file>.enc`). Holds one file in memory. */
export async function sealFile(source: string, key: Uint8Array): Promise<Uint8Array> {
  return secretBoxSeal(await readFile(source), key);
}

/** Encrypts `source` into `destination` (a secret box), keeping the source's executable bit. */
export async function encryptFileTo(source: string, destination: string, key: Uint8Array): Promise<void> {
  const { mode } = await lstat(source);
  await writeFileAtomically(destination, await sealFile(source, key), mode & 0o111 ? 0o755 : 0o644);
}

/**
 * Replaces every `*.enc` regular file under `directory` by its decryption without the suffix.
 * All files are decrypted to temporary files first; only when every one authenticated are they
 * renamed into place and the `.enc` files removed, so a wrong key or one altered file changes nothing.
 * Returns the decrypted files' paths relative to `directory` (POSIX separators, sorted).
 */
export async function decryptEncryptedFilesInPlace(directory: string, key: Uint8Array): Promise<string[]> {
  const encrypted = (await findEncryptedFiles(directory)).sort();
  const staged: Array<{ encrypted: string; temporary: string; plain: string }> = [];
  try {
    for (const relative of encrypted) {
      const file = path.join(directory, relative);
      const { mode } = await lstat(file);
      let plaintext: Uint8Array;
      try {
        plaintext = secretBoxOpen(await readFile(file), key);
      } catch (cause) {
        if (cause instanceof DecryptionError) {
          throw new DecryptionError(cause.reason, `cannot decrypt ${relative}: ${cause.message}`, { cause });
        }
        throw cause;
      }
      const plain = file.slice(0, -ENCRYPTED_SUFFIX.length);
      const temporary = temporaryPathFor(plain);
      staged.push({ encrypted: file, temporary, plain });
      await writeFile(temporary, plaintext, { flag: "wx", mode: mode & 0o777 });
    }
  } catch (error) {
    await Promise.all(staged.map((s) => rm(s.temporary, { force: true })));
    throw error;
  }
  for (const s of staged) {
    await rename(s.temporary, s.plain);
    await rm(s.encrypted, { force: true });
  }
  return encrypted.map((relative) => toPosix(relative.slice(0, -ENCRYPTED_SUFFIX.length)));
}

/** Regular files named `*.enc`, without following symbolic links. */
async function findEncryptedFiles(directory: string, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(path.join(directory, prefix), { withFileTypes: true })) {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) found.push(...(await findEncryptedFiles(directory, relative)));
    else if (entry.isFile() && entry.name.endsWith(ENCRYPTED_SUFFIX) && entry.name !== ENCRYPTED_SUFFIX) {
      found.push(relative);
    }
  }
  return found;
}

function toPosix(relative: string): string {
  return relative.split(path.sep).join("/");
}

// Enclave storage: small named records kept in the container's filesystem across restarts,
// readable only by the same enclave on the same platform. On SGX the directory is a Gramine
// encrypted mount keyed by `_sgx_mrenclave`; in simulation each record is sealed here with
// AES-256-GCM under a key derived (HKDF-SHA256) from the MRENCLAVE sealing key.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

const RECORD_NAME = /^[a-z][a-z0-9-]{0,63}$/;
const SEALED_VERSION = 1;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;

export class EnclaveStorageError extends Error {
  override name = "EnclaveStorageError";
}

export interface EnclaveStorage {
  read(name: string): Promise<Uint8Array | undefined>;
  write(name: string, data: Uint8Array): Promise<void>;
}

/** Derives a purpose-bound key from the sealing key (never use the sealing key itself). */
export function deriveKey(sealingKey: Uint8Array, purpose: string, length = 32): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", sealingKey, new Uint8Array(0), `msehome ${purpose}`, length));
}

function recordPath(dir: string, name: string): string {
  if (!RECORD_NAME.test(name)) throw new EnclaveStorageError(`invalid storage record name "${name}"`);
  return path.join(dir, name);
}

async function readIfPresent(file: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Writes through a temporary file and a rename, so a crash never leaves half a record. */
async function writeAtomically(file: string, data: Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.tmp-${process.pid}`;
  try {
    await writeFile(temporary, data, { mode: 0o600 });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Plain files in a directory the platform encrypts (Gramine encrypted mount). */
export class PlatformEncryptedStorage implements EnclaveStorage {
  constructor(private readonly dir: string) {}

  read(name: string): Promise<Uint8Array | undefined> {
    return readIfPresent(recordPath(this.dir, name));
  }

  write(name: string, data: Uint8Array): Promise<void> {
    return writeAtomically(recordPath(this.dir, name), data);
  }
}

/** Records sealed by the runtime: version ‖ nonce ‖ AES-256-GCM(data, aad = name) ‖ tag. */
export class SealedFileStorage implements EnclaveStorage {
  private readonly key: Uint8Array;

  constructor(
    private readonly dir: string,
    sealingKey: Uint8Array,
  ) {
    this.key = deriveKey(sealingKey, "enclave storage v1");
  }

  async read(name: string): Promise<Uint8Array | undefined> {
    const sealed = await readIfPresent(recordPath(this.dir, name));
    if (sealed === undefined) return undefined;
    if (sealed.length < 1 + NONCE_LENGTH + TAG_LENGTH || sealed[0] !== SEALED_VERSION) {
      throw new EnclaveStorageError(`enclave storage record "${name}" is not in a format this runtime reads`);
    }
    const nonce = sealed.subarray(1, 1 + NONCE_LENGTH);
    const tag = sealed.subarray(sealed.length - TAG_LENGTH);
    const decipher = createDecipheriv("aes-256-gcm", this.key, nonce);
    decipher.setAAD(Buffer.from(name));
    decipher.setAuthTag(tag);
    try {
      const body = sealed.subarray(1 + NONCE_LENGTH, sealed.length - TAG_LENGTH);
      return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
    } catch {
      throw new EnclaveStorageError(
        `enclave storage record "${name}" cannot be opened with this enclave's sealing key ` +
          "(it was altered, or written by another enclave or platform)",
      );
    }
  }

  async write(name: string, data: Uint8Array): Promise<void> {
    const nonce = randomBytes(NONCE_LENGTH);
    const cipher = createCipheriv("aes-256-gcm", this.key, nonce);
    cipher.setAAD(Buffer.from(name));
    const body = Buffer.concat([cipher.update(data), cipher.final()]);
    const sealed = Buffer.concat([Buffer.from([SEALED_VERSION]), nonce, body, cipher.getAuthTag()]);
    await writeAtomically(recordPath(this.dir, name), sealed);
  }
}

/** The storage matching the platform: sealed by the runtime unless the platform encrypts it. */
export async function openEnclaveStorage(
  dir: string,
  platform: { storageEncryptedByPlatform: boolean; sealingKey(): Promise<Uint8Array> },
): Promise<EnclaveStorage> {
  if (platform.storageEncryptedByPlatform) return new PlatformEncryptedStorage(dir);
  return new SealedFileStorage(dir, await platform.sealingKey());
}

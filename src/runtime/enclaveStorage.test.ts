import { readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import {
  EnclaveStorageError,
  openEnclaveStorage,
  PlatformEncryptedStorage,
  SealedFileStorage,
} from "./enclaveStorage.js";

const dir = tempDirPerTest("storage");

const key = new Uint8Array(16).fill(1);
const secret = new TextEncoder().encode('{"token":"very secret"}');

describe("sealed enclave storage", () => {
  it("reads back what it wrote and keeps no plaintext on disk", async () => {
    const storage = new SealedFileStorage(dir(), key);
    expect(await storage.read("configuration")).toBeUndefined();
    await storage.write("configuration", secret);
    expect(await new SealedFileStorage(dir(), key).read("configuration")).toEqual(secret);
    const onDisk = await readFile(path.join(dir(), "configuration"));
    expect(onDisk.includes(Buffer.from("very secret"))).toBe(false);
    expect(await readdir(dir())).toEqual(["configuration"]);
  });

  it("refuses records sealed under another key, altered, or moved to another name", async () => {
    await new SealedFileStorage(dir(), key).write("identity", secret);
    await expect(new SealedFileStorage(dir(), new Uint8Array(16).fill(2)).read("identity")).rejects.toThrow(
      /cannot be opened with this enclave's sealing key/,
    );
    const sealed = await readFile(path.join(dir(), "identity"));
    await writeFile(path.join(dir(), "moved"), sealed);
    await expect(new SealedFileStorage(dir(), key).read("moved")).rejects.toBeInstanceOf(EnclaveStorageError);
    sealed.writeUInt8(sealed.readUInt8(sealed.length - 1) ^ 1, sealed.length - 1);
    await writeFile(path.join(dir(), "identity"), sealed);
    await expect(new SealedFileStorage(dir(), key).read("identity")).rejects.toBeInstanceOf(
      EnclaveStorageError,
    );
  });

  it("refuses record names that could leave the directory", async () => {
    await expect(new SealedFileStorage(dir(), key).write("../x", secret)).rejects.toThrow(
      /invalid storage record name/,
    );
  });
});

describe("platform-encrypted storage", () => {
  it("is chosen when the platform encrypts the directory, and writes plain records there", async () => {
    const storage = await openEnclaveStorage(dir(), {
      storageEncryptedByPlatform: true,
      sealingKey: () => Promise.reject(new Error("must not be asked")),
    });
    expect(storage).toBeInstanceOf(PlatformEncryptedStorage);
    await storage.write("identity", secret);
    expect(await readFile(path.join(dir(), "identity"))).toEqual(Buffer.from(secret));
  });
});

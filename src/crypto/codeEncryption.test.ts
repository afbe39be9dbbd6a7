// Encrypted code on disk: files become `.enc` secret boxes, and turn back all at once or not at all.
import { describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import { chmod, mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { decryptEncryptedFilesInPlace, encryptFileTo, sealFile } from "./codeEncryption.js";
import { generateSecretBoxKey, secretBoxOpen } from "./secretBox.js";
import { DecryptionError } from "./errors.js";

const dir = tempDirPerTest("code");

async function listTree(root: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(root, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listTree(root, relative)));
    else out.push(relative);
  }
  return out.sort();
}

async function encryptedApp(key: Uint8Array): Promise<string> {
  const plain = path.join(dir(), "plain");
  const code = path.join(dir(), "code");
  await mkdir(path.join(plain, "lib"), { recursive: true });
  await mkdir(path.join(code, "lib"), { recursive: true });
  await writeFile(path.join(plain, "app.mjs"), "export const app = (req, res) => res.end('hi');\n");
  await writeFile(path.join(plain, "lib", "util.mjs"), "export const x = 1;\n");
  await writeFile(path.join(plain, "run.sh"), "#!/bin/sh\n");
  await chmod(path.join(plain, "run.sh"), 0o755);
  for (const file of ["app.mjs", "lib/util.mjs", "run.sh"]) {
    await encryptFileTo(path.join(plain, file), path.join(code, `${file}.enc`), key);
  }
  return code;
}

describe("code encryption", () => {
  it("seals a file into a secret box of its content", async () => {
    const key = generateSecretBoxKey();
    await writeFile(path.join(dir(), "a.txt"), "content");
    expect(new TextDecoder().decode(secretBoxOpen(await sealFile(path.join(dir(), "a.txt"), key), key))).toBe(
      "content",
    );
  });

  it("decrypts every .enc file in place, keeping the executable bit", async () => {
    const key = generateSecretBoxKey();
    const code = await encryptedApp(key);
    expect(await listTree(code)).toEqual(["app.mjs.enc", "lib/util.mjs.enc", "run.sh.enc"]);
    expect(await decryptEncryptedFilesInPlace(code, key)).toEqual(["app.mjs", "lib/util.mjs", "run.sh"]);
    expect(await listTree(code)).toEqual(["app.mjs", "lib/util.mjs", "run.sh"]);
    expect(await readFile(path.join(code, "lib", "util.mjs"), "utf8")).toBe("export const x = 1;\n");
    expect((await stat(path.join(code, "run.sh"))).mode & 0o111).not.toBe(0);
    expect((await stat(path.join(code, "app.mjs"))).mode & 0o111).toBe(0);
  });

  it("changes nothing when the key is wrong", async () => {
    const code = await encryptedApp(generateSecretBoxKey());
    const attempt = decryptEncryptedFilesInPlace(code, generateSecretBoxKey());
    await expect(attempt).rejects.toBeInstanceOf(DecryptionError);
    await expect(decryptEncryptedFilesInPlace(code, generateSecretBoxKey())).rejects.toThrow(
      /cannot decrypt app\.mjs\.enc/,
    );
    expect(await listTree(code)).toEqual(["app.mjs.enc", "lib/util.mjs.enc", "run.sh.enc"]);
  });

  it("changes nothing when one file of several was altered", async () => {
    const key = generateSecretBoxKey();
    const code = await encryptedApp(key);
    const victim = path.join(code, "run.sh.enc");
    const bytes = await readFile(victim);
    bytes[bytes.length - 1]! ^= 1;
    await writeFile(victim, bytes);
    await expect(decryptEncryptedFilesInPlace(code, key)).rejects.toThrow(/cannot decrypt run\.sh\.enc/);
    expect(await listTree(code)).toEqual(["app.mjs.enc", "lib/util.mjs.enc", "run.sh.enc"]);
  });

  it("leaves files without the suffix alone", async () => {
    const key = generateSecretBoxKey();
    const code = await encryptedApp(key);
    await writeFile(path.join(code, "README"), "plain");
    await decryptEncryptedFilesInPlace(code, key);
    expect(await readFile(path.join(code, "README"), "utf8")).toBe("plain");
  });
});

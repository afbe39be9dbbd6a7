// Packages written and read back: deterministic bytes, digests checked, tampering and strangers refused.
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PackageFormatError, PACKAGE_MEMBERS, type PackageMember } from "./packageManifest.js";
import { extractPackage, extractPackageTests, PackageIntegrityError } from "./packageReader.js";
import { writePackage } from "./packageWriter.js";
import { UnsafeArchiveError } from "./safeExtract.js";
import { writeDeterministicTar } from "./tarWriter.js";

const scratch = mkdtempSync(path.join(tmpdir(), "msehome-package-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const imageId = `sha256:${"1".repeat(64)}`;

/** Member files with recognisable contents. */
async function members(): Promise<Record<PackageMember, string>> {
  const dir = mkdtempSync(path.join(scratch, "members-"));
  const testsSource = mkdtempSync(path.join(scratch, "tests-"));
  writeFileSync(path.join(testsSource, "app.test.mjs"), "// the provider's tests\n");
  const files = {
    "app.tar": path.join(dir, "app.tar"),
    "image.tar": path.join(dir, "image.tar"),
    "tests.tar": path.join(dir, "tests.tar"),
    "mse.toml": path.join(dir, "mse.toml"),
  };
  writeFileSync(files["app.tar"], "APP-TAR-CONTENT ".repeat(100));
  writeFileSync(files["image.tar"], "IMAGE-TAR-CONTENT ".repeat(1000));
  await writeDeterministicTar(
    [{ path: "app.test.mjs", file: path.join(testsSource, "app.test.mjs") }],
    files["tests.tar"],
  );
  writeFileSync(files["mse.toml"], 'name = "example"\n');
  return files;
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describe("package writer and reader", () => {
  it("write the same bytes for the same members", async () => {
    const files = await members();
    const first = await writePackage(path.join(scratch, "one.tar"), {
      name: "example",
      encrypted: false,
      imageId,
      files,
      image: files["image.tar"],
    });
    const second = await writePackage(path.join(scratch, "two.tar"), {
      name: "example",
      encrypted: false,
      imageId,
      files,
      image: files["image.tar"],
    });
    const bytes = readFileSync(first.path);
    expect(bytes.equals(readFileSync(second.path))).toBe(true);
    expect(first.sizeBytes).toBe(bytes.length);
    expect(first.manifest.members["mse.toml"]).toEqual({
      sha256: sha256(readFileSync(files["mse.toml"])),
      sizeBytes: 17,
    });
  });

  it("read back every member, checked, and the tests extracted", async () => {
    const files = await members();
    const written = await writePackage(path.join(scratch, "read.tar"), {
      name: "example",
      encrypted: true,
      imageId,
      files,
      image: files["image.tar"],
    });
    const target = path.join(scratch, "read-out");
    const opened = await extractPackage(written.path, target);
    expect(opened.manifest).toEqual(written.manifest);
    expect(opened.manifest.encrypted).toBe(true);
    for (const member of PACKAGE_MEMBERS) {
      expect(readFileSync(opened.files[member]).equals(readFileSync(files[member]))).toBe(true);
    }
    expect(readdirSync(target).sort()).toEqual([
      "app.tar",
      "image.tar",
      "manifest.json",
      "mse.toml",
      "tests.tar",
    ]);
    expect(await extractPackageTests(opened, path.join(target, "tests"))).toEqual(["app.test.mjs"]);
  });

  it("refuse a package whose member was altered by one byte, leaving nothing behind", async () => {
    const written = await writePackage(path.join(scratch, "tampered.tar"), {
      name: "example",
      encrypted: false,
      imageId,
      ...(await members().then((files) => ({ files, image: files["image.tar"] }))),
    });
    const bytes = readFileSync(written.path);
    const at = bytes.indexOf("IMAGE-TAR-CONTENT");
    bytes[at] = "J".charCodeAt(0);
    writeFileSync(written.path, bytes);
    const target = path.join(scratch, "tampered-out");
    const failure = await extractPackage(written.path, target).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PackageIntegrityError);
    expect((failure as PackageIntegrityError).member).toBe("image.tar");
    expect((failure as Error).message).toMatch(
      /^the package member image\.tar does not match its manifest \(SHA-256 [0-9a-f]{64} instead of [0-9a-f]{64}\); the package was altered or damaged$/,
    );
    expect(existsSync(target)).toBe(false);
  });

  it("keep an existing target directory but remove what it extracted there", async () => {
    const written = await writePackage(path.join(scratch, "tampered2.tar"), {
      name: "example",
      encrypted: false,
      imageId,
      ...(await members().then((files) => ({ files, image: files["image.tar"] }))),
    });
    const bytes = readFileSync(written.path);
    bytes[bytes.indexOf("APP-TAR-CONTENT")] = "B".charCodeAt(0);
    writeFileSync(written.path, bytes);
    const target = path.join(scratch, "existing");
    mkdirSync(target);
    writeFileSync(path.join(target, "evidence.json"), "{}");
    await expect(extractPackage(written.path, target)).rejects.toThrow(PackageIntegrityError);
    expect(readdirSync(target)).toEqual(["evidence.json"]);
  });

  it("refuse a tar that lacks a member or holds a stranger", async () => {
    const files = await members();
    const lacking = path.join(scratch, "lacking.tar");
    await writeDeterministicTar([{ path: "app.tar", file: files["app.tar"] }], lacking);
    await expect(extractPackage(lacking, path.join(scratch, "lacking-out"))).rejects.toThrow(
      new PackageFormatError("lacking.tar lacks its image.tar; it is not an msehome package"),
    );
    const stranger = path.join(scratch, "stranger.tar");
    await writeDeterministicTar([{ path: "notes.txt", content: new TextEncoder().encode("hi") }], stranger);
    await expect(extractPackage(stranger, path.join(scratch, "stranger-out"))).rejects.toThrow(
      'stranger.tar holds "notes.txt", which is no package member',
    );
    expect(existsSync(path.join(scratch, "stranger-out"))).toBe(false);
  });

  it("refuse a member that would escape the target", async () => {
    const evil = path.join(scratch, "evil.tar");
    const { pack } = await import("tar-stream");
    const packer = pack();
    packer.entry({ name: "../escaped.txt" }, "gotcha");
    packer.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of packer as AsyncIterable<Buffer>) chunks.push(chunk);
    writeFileSync(evil, Buffer.concat(chunks));
    await expect(extractPackage(evil, path.join(scratch, "evil-out"))).rejects.toBeInstanceOf(
      UnsafeArchiveError,
    );
    expect(existsSync(path.join(scratch, "escaped.txt"))).toBe(false);
  });
});

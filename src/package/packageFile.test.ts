// Packages read in place: the index and manifest, members written or hashed against the manifest,
// image.tar streamed with its digest however much of it the reader took; the package written
// before streaming (a vector) reads the same; damage is refused by member.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { VECTORS_DIR } from "../../test/support/vectors.js";
import { PackageFile } from "./packageFile.js";
import { PackageFormatError, type PackageMember } from "./packageManifest.js";
import { PackageIntegrityError } from "./packageReader.js";
import { writePackage } from "./packageWriter.js";
import { writeDeterministicTar } from "./tarWriter.js";

const scratch = mkdtempSync(path.join(tmpdir(), "msehome-package-file-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const LEGACY = path.join(VECTORS_DIR, "legacy-package", "package_legacy_1765164000000000000.tar");
const LEGACY_IMAGE = "sha256:e6a0db3e883eef87fd6c2f4bf26c1d101f4d68d9be6fab96730d340850c3b80f";
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Bytes that look like nothing a tar writer would produce by accident. */
function imageBytes(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 2654435761) >>> 24;
  return bytes;
}

async function newPackage(image: Buffer, file = `pkg-${Math.random().toString(36).slice(2)}.tar`) {
  const dir = mkdtempSync(path.join(scratch, "members-"));
  const files = {
    "app.tar": path.join(dir, "app.tar"),
    "tests.tar": path.join(dir, "tests.tar"),
    "mse.toml": path.join(dir, "mse.toml"),
  };
  writeFileSync(path.join(dir, "app.mjs"), "export default () => {};\n");
  await writeDeterministicTar([{ path: "app.mjs", file: path.join(dir, "app.mjs") }], files["app.tar"]);
  await writeDeterministicTar(
    [{ path: "app.test.mjs", content: new TextEncoder().encode("//\n") }],
    files["tests.tar"],
  );
  writeFileSync(files["mse.toml"], 'name = "example"\n');
  const written = await writePackage(path.join(scratch, file), {
    name: "example",
    encrypted: false,
    imageId: `sha256:${"1".repeat(64)}`,
    files,
    // A stream of odd-sized chunks, as an engine sends them.
    image: Readable.from([image.subarray(0, 1000), image.subarray(1000, 70_001), image.subarray(70_001)]),
  });
  return { ...written, files };
}

describe("a package read in place", () => {
  it("is a plain tar: tar -xf gives back every member, the image byte for byte", async () => {
    const image = imageBytes(300_001);
    const written = await newPackage(image);
    const out = mkdtempSync(path.join(scratch, "tar-x-"));
    execFileSync("tar", ["-xf", written.path, "-C", out]);
    expect(readFileSync(path.join(out, "image.tar")).equals(image)).toBe(true);
    expect(readFileSync(path.join(out, "mse.toml"), "utf8")).toBe('name = "example"\n');
    expect(
      execFileSync("tar", ["-tf", written.path], { encoding: "utf8" }).split("\n").filter(Boolean),
    ).toEqual(["app.tar", "image.tar", "manifest.json", "mse.toml", "tests.tar"]);
    expect(written.manifest.members["image.tar"]).toEqual({ sha256: sha256(image), sizeBytes: image.length });
    expect(written.sizeBytes).toBe(readFileSync(written.path).length);
  });

  it("gives the same bytes for the same members, whatever the image's chunking", async () => {
    const image = imageBytes(5000);
    const one = await newPackage(image, "same-1.tar");
    const two = await writePackage(path.join(scratch, "same-2.tar"), {
      name: "example",
      encrypted: false,
      imageId: `sha256:${"1".repeat(64)}`,
      files: one.files,
      image: Readable.from([image]),
    });
    expect(readFileSync(one.path).equals(readFileSync(two.path))).toBe(true);
  });

  it("writes and checks every member, and digests image.tar whole even when its reader stops early", async () => {
    const image = imageBytes(3 * 1024 * 1024 + 17);
    const written = await newPackage(image);
    const opened = await PackageFile.open(written.path);
    try {
      expect(opened.manifest).toEqual(written.manifest);
      for (const member of ["app.tar", "tests.tar", "mse.toml"] as PackageMember[]) {
        const target = path.join(scratch, `${member}-${Math.random()}`);
        await opened.writeMember(member, target);
        expect(sha256(readFileSync(target))).toBe(written.manifest.members[member].sha256);
      }
      await opened.checkMember("image.tar");
      // No `docker save` tar, so no image configuration to tell the base by.
      expect(await opened.imageMarks()).toBeUndefined();

      // Like an engine that answers before reading the tar's last bytes.
      const partial = opened.openImage();
      const first = (await partial.stream[Symbol.asyncIterator]().next()).value as Buffer;
      expect(first.length).toBeLessThan(image.length);
      expect(await partial.digest()).toEqual({ sha256: sha256(image), sizeBytes: image.length });

      const seen: number[] = [];
      const whole = opened.openImage((total) => seen.push(total));
      const chunks: Buffer[] = [];
      for await (const chunk of whole.stream) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(image)).toBe(true);
      expect(seen.at(-1)).toBe(image.length);
      expect(await whole.digest()).toEqual({ sha256: sha256(image), sizeBytes: image.length });
    } finally {
      await opened.close();
    }
  });

  it("refuses a changed byte by member, and leaves no file of a refused member", async () => {
    const image = imageBytes(100_000);
    const written = await newPackage(image);
    const bytes = readFileSync(written.path);
    bytes[bytes.indexOf(image.subarray(50_000, 50_064)) + 10]! ^= 0xff;
    bytes[bytes.indexOf(Buffer.from('name = "example"')) + 8] = "E".charCodeAt(0);
    const changed = path.join(scratch, "changed.tar");
    writeFileSync(changed, bytes);
    const opened = await PackageFile.open(changed);
    try {
      await expect(opened.checkMember("image.tar")).rejects.toThrow(
        /^the package member image\.tar does not match its manifest \(SHA-256 [0-9a-f]{64} instead of [0-9a-f]{64}\); the package was altered or damaged$/,
      );
      const target = path.join(scratch, "refused-mse.toml");
      const error = await opened.writeMember("mse.toml", target).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PackageIntegrityError);
      expect((error as PackageIntegrityError).member).toBe("mse.toml");
      expect(existsSync(target)).toBe(false);
    } finally {
      await opened.close();
    }
  });

  it("refuses what is no package: a stranger, a missing member, a link member, a cut-short tar", async () => {
    const written = await newPackage(imageBytes(2000));
    const stranger = path.join(scratch, "stranger.tar");
    await writeDeterministicTar([{ path: "notes.txt", content: new TextEncoder().encode("hi") }], stranger);
    await expect(PackageFile.open(stranger)).rejects.toThrow(
      new PackageFormatError('stranger.tar holds "notes.txt", which is no package member'),
    );
    const lacking = path.join(scratch, "lacking.tar");
    await writeDeterministicTar([{ path: "app.tar", file: written.files["app.tar"] }], lacking);
    await expect(PackageFile.open(lacking)).rejects.toThrow(
      new PackageFormatError("lacking.tar lacks its image.tar; it is not an msehome package"),
    );
    const directory = path.join(scratch, "directory.tar");
    await writeDeterministicTar([{ path: "image.tar", symlink: "app.tar" }], directory);
    await expect(PackageFile.open(directory)).rejects.toThrow(
      new PackageFormatError("directory.tar holds image.tar as a SymbolicLink, not a file"),
    );
    const cut = path.join(scratch, "package_cut.tar");
    writeFileSync(cut, readFileSync(written.path).subarray(0, 4000));
    await expect(PackageFile.open(cut)).rejects.toThrow(
      /^package_cut\.tar is not a valid tar archive: image\.tar is cut short$/,
    );
  });

  it("reads the package written before streaming, its members checked and its image's labels found", async () => {
    const opened = await PackageFile.open(LEGACY);
    try {
      expect(opened.manifest.name).toBe("legacy");
      expect(opened.manifest.imageId).toBe(LEGACY_IMAGE);
      await opened.checkMember("image.tar");
      await opened.checkMember("app.tar");
      await opened.checkMember("tests.tar");
      const config = path.join(scratch, "legacy-mse.toml");
      await opened.writeMember("mse.toml", config);
      expect(readFileSync(config, "utf8")).toContain('name = "legacy"');
      // The image configuration inside image.tar, found by the image id and checked against it.
      expect(await opened.imageMarks()).toEqual({
        labels: { "org.example.fixture": "legacy-package" },
        env: [],
      });
    } finally {
      await opened.close();
    }
  });
});

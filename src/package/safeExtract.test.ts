// Malicious tars are refused member by member, and nothing ever lands outside the target.
import { beforeEach, describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, readlink, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import tar from "tar-stream";
import { CorruptArchiveError, UnsafeArchiveError, extractTarSafely } from "./safeExtract.js";
import { tarDirectory } from "./tarWriter.js";

type RawEntry = Partial<tar.Header> & { name: string; content?: string };

/** A tar with exactly these headers, unchecked: how an attacker would write one. */
async function rawTar(entries: RawEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const { content, ...header } of entries) {
    await new Promise<void>((resolve, reject) => {
      const callback = (error?: Error | null) => (error ? reject(error) : resolve());
      if (content !== undefined) pack.entry(header, content, callback);
      else pack.entry(header, callback);
    });
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

const base = tempDirPerTest("extract");
let target: string;
let outside: string;
beforeEach(async () => {
  target = path.join(base(), "target");
  outside = path.join(base(), "outside");
  await mkdir(outside);
});

async function extractBytes(
  bytes: Buffer,
  limits?: Parameters<typeof extractTarSafely>[2],
): Promise<string[]> {
  const file = path.join(base(), "evil.tar");
  await writeFile(file, bytes);
  return extractTarSafely(file, target, limits);
}

async function treeOf(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

describe("safe extraction", () => {
  it("extracts a tar written by the deterministic writer, links and modes included", async () => {
    const code = path.join(base(), "code");
    await mkdir(path.join(code, "lib"), { recursive: true });
    await writeFile(path.join(code, "app.mjs"), "app");
    await writeFile(path.join(code, "run.sh"), "#!/bin/sh", { mode: 0o755 });
    await writeFile(path.join(code, "lib", "u.mjs"), "u");
    await symlink("lib/u.mjs", path.join(code, "u-link.mjs"));
    await symlink("../app.mjs", path.join(code, "lib", "app-link.mjs"));
    const file = path.join(base(), "app.tar");
    await tarDirectory(code, file);
    const extracted = await extractTarSafely(file, target);
    expect(extracted).toEqual(["app.mjs", "lib", "lib/app-link.mjs", "lib/u.mjs", "run.sh", "u-link.mjs"]);
    expect(await readFile(path.join(target, "u-link.mjs"), "utf8")).toBe("u");
    expect(await readFile(path.join(target, "lib", "app-link.mjs"), "utf8")).toBe("app");
    expect(await readlink(path.join(target, "u-link.mjs"))).toBe("lib/u.mjs");
    expect((await stat(path.join(target, "run.sh"))).mode & 0o777).toBe(0o755);
    expect((await stat(path.join(target, "app.mjs"))).mode & 0o777).toBe(0o644);
  });

  it("accepts ./-prefixed names and a hard link to a file inside", async () => {
    const bytes = await rawTar([
      { name: "./", type: "directory" },
      { name: "./a.txt", content: "a" },
      { name: "./b.txt", type: "link", linkname: "a.txt" },
    ]);
    expect(await extractBytes(bytes)).toEqual(["a.txt", "b.txt"]);
    expect(await readFile(path.join(target, "b.txt"), "utf8")).toBe("a");
  });

  it("reads from a stream as well as from a file", async () => {
    const bytes = await rawTar([{ name: "x/y.txt", content: "y" }]);
    expect(await extractTarSafely(Readable.from([bytes]), target)).toEqual(["x/y.txt"]);
  });

  const evilName = `msehome-evil-${randomBytes(4).toString("hex")}`;
  const malicious: Array<[string, RawEntry[], RegExp]> = [
    ["a parent path (../x)", [{ name: "../x", content: "x" }], /"\.\.\/x" .*contains "\.\."/],
    ["a deeper parent path", [{ name: "a/../../x", content: "x" }], /contains "\.\."/],
    ["an absolute path (/tmp/...)", [{ name: `/tmp/${evilName}`, content: "x" }], /is an absolute path/],
    ["an absolute path (/etc/x)", [{ name: "/etc/x", content: "x" }], /"\/etc\/x" .*is an absolute path/],
    ["a symlink to /", [{ name: "root", type: "symlink", linkname: "/" }], /symbolic link to "\/", outside/],
    [
      "a symlink up and out",
      [{ name: "a/up", type: "symlink", linkname: "../../outside" }],
      /outside the target/,
    ],
    [
      "a symlink then a write through it",
      [
        { name: "dir", type: "symlink", linkname: "." },
        { name: "dir/x", content: "x" },
      ],
      /written through the symbolic link dir/,
    ],
    [
      "a symlink chain whose parts each look inside",
      [
        { name: "x", type: "symlink", linkname: "y/.." },
        { name: "y", type: "symlink", linkname: "." },
      ],
      /"x" .*resolves outside the target/,
    ],
    [
      "a hard link out",
      [{ name: "h", type: "link", linkname: "../outside/secret" }],
      /hard link to "\.\.\/outside\/secret", outside the target/,
    ],
    [
      "a hard link to an absolute path",
      [{ name: "h", type: "link", linkname: "/etc/passwd" }],
      /hard link to "\/etc\/passwd", outside/,
    ],
    [
      "a character device",
      [{ name: "null", type: "character-device", devmajor: 1, devminor: 3 }],
      /character device/,
    ],
    ["a block device", [{ name: "sda", type: "block-device", devmajor: 8 }], /block device/],
    ["a FIFO", [{ name: "pipe", type: "fifo" }], /is a fifo/],
    [
      "a duplicate member",
      [
        { name: "a", content: "1" },
        { name: "a", content: "2" },
      ],
      /already exists/,
    ],
  ];

  it.each(malicious)("refuses %s and leaves nothing behind", async (_what, entries, message) => {
    const etcXExisted = existsSync("/etc/x");
    await writeFile(path.join(outside, "secret"), "s");
    const attempt = extractBytes(await rawTar([{ name: "first.txt", content: "ok" }, ...entries]));
    await expect(attempt).rejects.toBeInstanceOf(UnsafeArchiveError);
    await expect(extractBytes(await rawTar(entries))).rejects.toThrow(message);
    expect(existsSync(target)).toBe(false);
    expect(await treeOf(outside)).toEqual(["secret"]);
    expect(existsSync(`/tmp/${evilName}`)).toBe(false);
    expect(existsSync("/etc/x")).toBe(etcXExisted);
  });

  it("names the member and the archive in one sentence", async () => {
    const attempt = extractBytes(await rawTar([{ name: "../escape.txt", content: "x" }]));
    await expect(attempt).rejects.toThrow(
      'refusing to extract "../escape.txt" from evil.tar: its path contains ".."',
    );
  });

  it("refuses an entry over the size limit before writing it", async () => {
    const bytes = await rawTar([
      { name: "small", content: "12345" },
      { name: "big", content: "x".repeat(2000) },
    ]);
    await expect(extractBytes(bytes, { maxEntryBytes: 1000 })).rejects.toThrow(
      /"big" .*2000 bytes, over the 1000-byte limit/,
    );
    expect(existsSync(target)).toBe(false);
  });

  it("refuses members whose total is over the limit", async () => {
    const bytes = await rawTar([
      { name: "a", content: "x".repeat(600) },
      { name: "b", content: "x".repeat(600) },
    ]);
    await expect(extractBytes(bytes, { maxTotalBytes: 1000 })).rejects.toThrow(/"b" .*add up to more than/);
  });

  it("refuses too many members", async () => {
    const bytes = await rawTar([1, 2, 3].map((i) => ({ name: `f${i}`, content: "" })));
    await expect(extractBytes(bytes, { maxEntries: 2 })).rejects.toThrow(/"f3" .*more than 2 members/);
  });

  it("in an existing target, removes only what it created and never follows a planted link", async () => {
    await mkdir(target);
    await writeFile(path.join(target, "mine.txt"), "keep");
    await symlink(outside, path.join(target, "planted"));
    const bytes = await rawTar([
      { name: "new/a.txt", content: "a" },
      { name: "planted/b.txt", content: "b" },
    ]);
    await expect(extractBytes(bytes)).rejects.toThrow(/written through the symbolic link planted/);
    expect(await treeOf(target)).toEqual(["mine.txt", "planted"]);
    expect(await treeOf(outside)).toEqual([]);
  });

  it("does not overwrite through an existing symbolic link at a file's path", async () => {
    await mkdir(target);
    await symlink(path.join(outside, "victim"), path.join(target, "a.txt"));
    await expect(extractBytes(await rawTar([{ name: "a.txt", content: "pwned" }]))).rejects.toThrow(
      /already exists/,
    );
    expect(existsSync(path.join(outside, "victim"))).toBe(false);
  });

  it("fails clearly on data that is not a tar, removing the target it created", async () => {
    const attempt = extractBytes(Buffer.from("this is not a tar archive ".repeat(40)));
    await expect(attempt).rejects.toThrow(/evil\.tar is not a valid tar archive: invalid tar header/);
    await expect(attempt).rejects.toBeInstanceOf(CorruptArchiveError);
    expect(existsSync(target)).toBe(false);
  });

  // Regression: a tar cut inside a member's data left the extraction pending forever (the CLI then
  // exited 13 with no message) and the partial member on disk.
  it.each([
    ["inside a member's data", 512 + 100],
    ["inside a header", 512 + 1024 + 200],
    ["right after a member's header", 512],
  ])("refuses a tar truncated %s and removes what it wrote", async (_where, length) => {
    const whole = await rawTar([
      { name: "a.bin", content: "x".repeat(1000) },
      { name: "b.txt", content: "b" },
    ]);
    const attempt = extractBytes(whole.subarray(0, length));
    await expect(attempt).rejects.toThrow(/evil\.tar is not a valid tar archive: it is truncated/);
    await expect(attempt).rejects.toBeInstanceOf(CorruptArchiveError);
    expect(existsSync(target)).toBe(false);
  });

  // Found by fuzzing: a member whose type flag tar-stream does not know (its type is null) crashed
  // the refusal message with a TypeError.
  it("refuses a member of an unknown type and leaves nothing behind", async () => {
    const bytes = await rawTar([{ name: "a.txt", content: "a" }]);
    bytes[156] = "Z".charCodeAt(0);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : bytes[i]!;
    bytes.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
    const attempt = extractBytes(bytes);
    await expect(attempt).rejects.toThrow(
      /"a\.txt" .*: it is a member of an unknown type, which a package never holds/,
    );
    await expect(attempt).rejects.toBeInstanceOf(UnsafeArchiveError);
    expect(existsSync(target)).toBe(false);
  });

  // Found by fuzzing: names the file system cannot hold failed with ENAMETOOLONG as a plain error.
  it.each([
    ["a segment over 255 bytes", `${"n".repeat(256)}/a.txt`, /its name is too long for a file system/],
    [
      "a path over 4095 bytes",
      `${"d".repeat(200)}/`.repeat(21) + "a.txt",
      /its path is too long for a file system/,
    ],
  ])("refuses a member with %s", async (_what, name, message) => {
    const attempt = extractBytes(await rawTar([{ name, content: "x" }]));
    await expect(attempt).rejects.toThrow(message);
    await expect(attempt).rejects.toBeInstanceOf(UnsafeArchiveError);
    expect(existsSync(target)).toBe(false);
  });

  it("refuses a symbolic link whose target is over 4095 bytes", async () => {
    const attempt = extractBytes(await rawTar([{ name: "l", type: "symlink", linkname: "a/".repeat(2100) }]));
    await expect(attempt).rejects.toThrow(/its link target is too long/);
  });
});

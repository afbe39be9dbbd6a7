// The tar writer is deterministic (same input, same bytes) and writes only sane members.
import { describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { chmod, mkdir, readFile, readdir, symlink, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import tar from "tar-stream";
import { TarPathError, tarDirectory, writeDeterministicTar, type TarEntry } from "./tarWriter.js";

const dir = tempDirPerTest("tarw");

interface Member {
  name: string;
  type: string;
  mode: number;
  mtime: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  linkname: string | null;
  content: Buffer;
}

async function readTar(bytes: Buffer): Promise<Member[]> {
  const members: Member[] = [];
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const h = entry.header;
      members.push({
        name: h.name,
        type: h.type,
        mode: h.mode,
        mtime: h.mtime.getTime(),
        uid: h.uid,
        gid: h.gid,
        uname: h.uname,
        gname: h.gname,
        linkname: h.linkname,
        content: Buffer.concat(chunks),
      });
    }
  })();
  extract.end(bytes);
  await done;
  return members;
}

async function tarBytes(entries: TarEntry[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  await writeDeterministicTar(entries, sink);
  return Buffer.concat(chunks);
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** The same tree, written at a different time with different permissions and creation order. */
async function makeTree(root: string, variant: number): Promise<void> {
  const files: Array<[string, string, number]> = [
    ["app.mjs", "export const app = () => {};\n", variant ? 0o600 : 0o664],
    ["bin/run", "#!/bin/sh\necho run\n", variant ? 0o700 : 0o775],
    ["lib/deep/util.mjs", "export const x = 1;\n", 0o644],
    ["données/é.txt", "unicode\n", 0o640],
    [`${"long-directory-name/".repeat(6)}file-with-a-long-name.txt`, "long\n", 0o644],
  ];
  for (const [relative, content, mode] of variant ? [...files].reverse() : files) {
    const file = path.join(root, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    await chmod(file, mode);
    await utimes(file, 1_000 + variant * 1_000_000, 1_000 + variant * 1_000_000);
  }
  await symlink("lib/deep/util.mjs", path.join(root, "util-link.mjs"));
}

describe("deterministic tar writer", () => {
  it("writes the same bytes for the same tree, whatever its mtimes, permissions and creation order", async () => {
    await makeTree(path.join(dir(), "one"), 0);
    await makeTree(path.join(dir(), "two"), 1);
    const first = path.join(dir(), "one.tar");
    const second = path.join(dir(), "two.tar");
    const members = await tarDirectory(path.join(dir(), "one"), first);
    await tarDirectory(path.join(dir(), "two"), second);
    const again = path.join(dir(), "again.tar");
    await tarDirectory(path.join(dir(), "one"), again);
    const [a, b, c] = await Promise.all([readFile(first), readFile(second), readFile(again)]);
    expect(sha256(a)).toBe(sha256(b));
    expect(sha256(a)).toBe(sha256(c));
    expect(members).toContain("util-link.mjs");
  });

  it("normalises every header: sorted, mtime 0, uid/gid 0, no names, 0644/0755 modes", async () => {
    await makeTree(path.join(dir(), "tree"), 1);
    const members = await readTar(await readFileOf(path.join(dir(), "tree")));
    const names = members.map((m) => m.name);
    expect(names).toEqual([...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    for (const m of members) {
      expect(m).toMatchObject({ mtime: 0, uid: 0, gid: 0, uname: "", gname: "" });
    }
    const byName = Object.fromEntries(members.map((m) => [m.name, m]));
    expect(byName["app.mjs"]).toMatchObject({ type: "file", mode: 0o644 });
    expect(byName["bin/run"]).toMatchObject({ type: "file", mode: 0o755 });
    expect(byName["bin/"]).toMatchObject({ type: "directory", mode: 0o755 });
    expect(byName["util-link.mjs"]).toMatchObject({ type: "symlink", linkname: "lib/deep/util.mjs" });
    expect(byName["données/é.txt"]!.content.toString()).toBe("unicode\n");
    expect(names.some((n) => n.endsWith("file-with-a-long-name.txt") && n.length > 100)).toBe(true);
  });

  it("is readable by the system tar", async () => {
    await makeTree(path.join(dir(), "tree"), 0);
    const file = path.join(dir(), "tree.tar");
    await tarDirectory(path.join(dir(), "tree"), file);
    const listing = execFileSync("tar", ["-tf", file], { encoding: "utf8" }).trim().split("\n");
    expect(listing).toContain("bin/run");
    expect(listing).toContain("données/é.txt");
    expect(listing.some((n) => n.endsWith("file-with-a-long-name.txt"))).toBe(true);
  });

  it("sorts entries given in any order and streams file contents", async () => {
    const big = Buffer.alloc(3 * (1 << 20) + 7, 0x61);
    await writeFile(path.join(dir(), "big.bin"), big);
    const entries: TarEntry[] = [
      { path: "z.txt", content: new TextEncoder().encode("zed") },
      { path: "image.tar", file: path.join(dir(), "big.bin") },
      { path: "a", type: "directory" },
      { path: "a/x.sh", mode: 0o700, content: new Uint8Array([1]) },
    ];
    const bytes = await tarBytes(entries);
    expect(sha256(await tarBytes([...entries].reverse()))).toBe(sha256(bytes));
    const members = await readTar(bytes);
    expect(members.map((m) => m.name)).toEqual(["a/", "a/x.sh", "image.tar", "z.txt"]);
    expect(members[1]!.mode).toBe(0o755);
    expect(members[2]!.content.equals(big)).toBe(true);
  });

  it.each<[string, TarEntry[], RegExp]>([
    [
      "a parent segment",
      [{ path: "../x", content: new Uint8Array() }],
      /"\.\.\/x" has an empty, "\." or "\.\." segment/,
    ],
    ["an absolute path", [{ path: "/etc/x", content: new Uint8Array() }], /is absolute/],
    ["an empty segment", [{ path: "a//b", content: new Uint8Array() }], /empty/],
    [
      "a duplicate",
      [
        { path: "a", content: new Uint8Array() },
        { path: "a", content: new Uint8Array(1) },
      ],
      /appears twice/,
    ],
    ["a symlink out", [{ path: "l", symlink: "../../etc/passwd" }], /outside the directory/],
    ["an absolute symlink", [{ path: "l", symlink: "/etc/passwd" }], /outside the directory/],
  ])("refuses %s", async (_what, entries, message) => {
    await expect(tarBytes(entries)).rejects.toThrow(TarPathError);
    await expect(tarBytes(entries)).rejects.toThrow(message);
  });

  it("refuses to package a symbolic link leaving the directory", async () => {
    await mkdir(path.join(dir(), "code"));
    await symlink("/etc/passwd", path.join(dir(), "code", "passwd"));
    await expect(tarDirectory(path.join(dir(), "code"), path.join(dir(), "out.tar"))).rejects.toThrow(
      /symbolic link passwd points to "\/etc\/passwd", outside/,
    );
    expect(await readdir(dir())).toEqual(["code"]);
  });

  it("leaves no file behind when writing to a path fails", async () => {
    const target = path.join(dir(), "out.tar");
    const attempt = writeDeterministicTar([{ path: "x", file: path.join(dir(), "missing") }], target);
    await expect(attempt).rejects.toThrow(/ENOENT/);
    expect(await readdir(dir())).toEqual([]);
  });

  it("applies .mseignore and a transform (e.g. encrypting each file to <file>.enc)", async () => {
    const code = path.join(dir(), "code");
    await mkdir(path.join(code, "lib"), { recursive: true });
    await writeFile(path.join(code, "app.mjs"), "app");
    await writeFile(path.join(code, "lib", "u.mjs"), "u");
    await writeFile(path.join(code, "debug.log"), "log");
    await writeFile(path.join(code, ".mseignore"), "*.log\n.mseignore\n");
    const chunks: Buffer[] = [];
    const written = await tarDirectory(
      code,
      new Writable({
        write(chunk: Buffer, _e, cb) {
          chunks.push(chunk);
          cb();
        },
      }),
      {
        transform: async (f) => ({
          path: `${f.path}.enc`,
          mode: f.mode,
          content: new Uint8Array(Buffer.from((await readFile(f.absolutePath, "utf8")).toUpperCase())),
        }),
      },
    );
    expect(written).toEqual(["app.mjs.enc", "lib/", "lib/u.mjs.enc"]);
    const members = await readTar(Buffer.concat(chunks));
    expect(members.map((m) => [m.name, m.content.toString()])).toEqual([
      ["app.mjs.enc", "APP"],
      ["lib/", ""],
      ["lib/u.mjs.enc", "U"],
    ]);
  });
});

async function readFileOf(tree: string): Promise<Buffer> {
  const file = `${tree}.tar`;
  await tarDirectory(tree, file);
  return readFile(file);
}

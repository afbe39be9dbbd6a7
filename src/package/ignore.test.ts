// .mseignore decides what a package holds, with .gitignore semantics.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { UnpackageableFileError, listDirectoryFiles, listPackagedFiles } from "./ignore.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "msehome-ignore-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function files(paths: string[]): Promise<void> {
  for (const relative of paths) {
    await mkdir(path.dirname(path.join(dir, relative)), { recursive: true });
    await writeFile(path.join(dir, relative), relative);
  }
}

describe(".mseignore", () => {
  it("lists every file, sorted, when there is no ignore file", async () => {
    await files(["b.mjs", "a/z.mjs", "a-b.txt", "A.txt", "a/b/c.mjs"]);
    expect(await listPackagedFiles(dir)).toEqual(["A.txt", "a-b.txt", "a/b/c.mjs", "a/z.mjs", "b.mjs"]);
  });

  it("applies gitignore patterns: globs, directories, anchors, negation, comments", async () => {
    await files([
      "app.mjs",
      "notes.log",
      "keep.log",
      "node_modules/x/index.js",
      "build/out.js",
      "src/build/kept.js",
      "secrets.json",
      "sub/secrets.json",
      ".env",
      "# not a comment.txt",
    ]);
    await writeFile(
      path.join(dir, ".mseignore"),
      [
        "# comment",
        "*.log",
        "!keep.log",
        "node_modules/",
        "/build",
        "secrets.json",
        ".env",
        ".mseignore",
        "",
      ].join("\n"),
    );
    expect(await listPackagedFiles(dir)).toEqual([
      "# not a comment.txt",
      "app.mjs",
      "keep.log",
      "src/build/kept.js",
    ]);
  });

  it("ships the ignore file itself unless it lists itself", async () => {
    await files(["app.mjs"]);
    await writeFile(path.join(dir, ".mseignore"), "*.log\n");
    expect(await listPackagedFiles(dir)).toEqual([".mseignore", "app.mjs"]);
  });

  it("cannot re-include a file inside an excluded directory, as git", async () => {
    await files(["cache/keep.txt", "cache/drop.txt"]);
    await writeFile(path.join(dir, ".mseignore"), "cache/\n!cache/keep.txt\n.mseignore\n");
    expect(await listPackagedFiles(dir)).toEqual([]);
  });

  it("is case-sensitive, as git is on Linux", async () => {
    await files(["README.md", "readme.md"]);
    await writeFile(path.join(dir, ".mseignore"), "readme.md\n.mseignore\n");
    expect(await listPackagedFiles(dir)).toEqual(["README.md"]);
  });

  it("lists symbolic links without following them", async () => {
    await files(["lib/real.mjs"]);
    await symlink("lib", path.join(dir, "linked"));
    expect(await listDirectoryFiles(dir)).toEqual([
      { path: "lib/real.mjs", kind: "file" },
      { path: "linked", kind: "symlink" },
    ]);
  });

  it("ignores nothing when asked not to", async () => {
    await files(["a.log"]);
    await writeFile(path.join(dir, ".mseignore"), "*.log\n");
    expect((await listDirectoryFiles(dir, { ignore: false })).map((f) => f.path)).toEqual([
      ".mseignore",
      "a.log",
    ]);
  });

  it("refuses a FIFO it would package, naming it", async () => {
    execFileSync("mkfifo", [path.join(dir, "pipe")]);
    await expect(listPackagedFiles(dir)).rejects.toThrow(UnpackageableFileError);
    await expect(listPackagedFiles(dir)).rejects.toThrow(/^pipe is a FIFO/);
    await writeFile(path.join(dir, ".mseignore"), "pipe\n");
    expect(await listPackagedFiles(dir)).toEqual([".mseignore"]);
  });
});

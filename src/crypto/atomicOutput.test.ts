// Streamed outputs appear whole, with their mode, or not at all (no partial file left behind).
import { spawnSync } from "node:child_process";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import {
  explainNoSpace,
  isNoSpace,
  NoSpaceError,
  removeStaleTemporaries,
  streamToFileAtomically,
  temporaryPathFor,
} from "./atomicOutput.js";

const dir = tempDirPerTest("atomic");

describe("streamToFileAtomically", () => {
  it("renames the file into place once a pipeline wrote it, with the mode asked for", async () => {
    const file = path.join(dir(), "out.bin");
    const result = await streamToFileAtomically(
      file,
      async (output) => {
        expect(await readdir(dir())).not.toContain("out.bin");
        await pipeline(Readable.from([Buffer.from("one "), Buffer.from("two")]), output);
        return "done";
      },
      0o644,
    );
    expect(result).toBe("done");
    expect(await readFile(file, "utf8")).toBe("one two");
    expect((await stat(file)).mode & 0o777).toBe(0o644 & ~process.umask());
    expect(await readdir(dir())).toEqual(["out.bin"]);
  });

  it("ends a stream the producer left open, private by default", async () => {
    const file = path.join(dir(), "secret.txt");
    await streamToFileAtomically(file, async (output) => {
      output.write("kept");
    });
    expect(await readFile(file, "utf8")).toBe("kept");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("leaves nothing when the producer fails, and keeps an existing destination", async () => {
    const file = path.join(dir(), "out.bin");
    await streamToFileAtomically(file, async (output) => {
      output.end("old");
    });
    await expect(
      streamToFileAtomically(file, async (output) => {
        output.write("half");
        throw new Error("the source broke");
      }),
    ).rejects.toThrow("the source broke");
    expect(await readFile(file, "utf8")).toBe("old");
    expect(await readdir(dir())).toEqual(["out.bin"]);
  });

  it("fails before producing anything when the directory is missing", async () => {
    let produced = false;
    await expect(
      streamToFileAtomically(path.join(dir(), "missing", "out.bin"), async () => {
        produced = true;
      }),
    ).rejects.toThrow(/ENOENT/);
    expect(produced).toBe(false);
  });
});

describe("what a killed writer leaves", () => {
  /** The pid of a process that has exited (so no process has it, until the system reuses it). */
  function deadPid(): number {
    const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    });
    return Number(child.stdout);
  }

  it("names temporaries after their writer, and removes only those whose writer is gone", async () => {
    const mine = temporaryPathFor(path.join(dir(), "package_app_1.tar"));
    expect(path.basename(mine)).toMatch(
      new RegExp(`^\\.package_app_1\\.tar\\.${process.pid}-[0-9a-f]{12}\\.partial$`),
    );
    const dead = path.join(dir(), `.package_app_1.tar.${deadPid()}-0123456789ab.partial`);
    const deadDirectory = path.join(dir(), `.package_app_2.tar.${deadPid()}-0123456789ab.partial`);
    const live = path.join(dir(), `.result.bin.${process.ppid}-0123456789ab.partial`);
    const unrelated = path.join(dir(), ".cache.partial");
    for (const file of [mine, dead, live, unrelated]) await writeFile(file, "x");
    await mkdir(deadDirectory);
    await writeFile(path.join(deadDirectory, "image.tar"), "x");

    expect((await removeStaleTemporaries(dir())).sort()).toEqual(
      [path.basename(dead), path.basename(deadDirectory)].sort(),
    );
    expect((await readdir(dir())).sort()).toEqual(
      [path.basename(mine), path.basename(live), path.basename(unrelated)].sort(),
    );
    expect(await removeStaleTemporaries(path.join(dir(), "missing"))).toEqual([]);
  });
});

describe("a full file system", () => {
  it("is recognised through causes and becomes one sentence naming the directory", () => {
    const full = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    const wrapped = new Error("cannot write the package", { cause: full });
    expect(isNoSpace(wrapped)).toBe(true);
    expect(isNoSpace(Object.assign(new Error("quota"), { code: "EDQUOT" }))).toBe(true);
    expect(isNoSpace(new Error("saving image x failed: ENOSPC: no space left on device, write"))).toBe(true);
    expect(isNoSpace(new Error("EACCES"))).toBe(false);
    const explained = explainNoSpace(wrapped, "/mnt/out", "result.bin") as Error;
    expect(explained).toBeInstanceOf(NoSpaceError);
    expect(explained.message).toBe(
      "no space left on the file system of /mnt/out for result.bin (nothing half-written was kept); free some space or write elsewhere",
    );
    const other = new Error("something else");
    expect(explainNoSpace(other, "/mnt/out")).toBe(other);
  });
});

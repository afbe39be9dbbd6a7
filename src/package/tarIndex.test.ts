// The tar index finds members by their headers alone, whatever wrote the tar: GNU tar's long
// names, tar-stream's pax headers, sizes past 8 GiB in base-256; damage is named.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Header } from "tar";
import { fileHeader } from "./streamedTar.js";
import { indexTar, TarIndexError } from "./tarIndex.js";
import { writeDeterministicTar } from "./tarWriter.js";

const scratch = mkdtempSync(path.join(tmpdir(), "msehome-tar-index-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function indexOf(file: string) {
  const handle = await open(file, "r");
  try {
    return await indexTar(handle, path.basename(file));
  } finally {
    await handle.close();
  }
}

const longName = `${"deep/".repeat(30)}file.txt`;

describe("tar index", () => {
  it("locates members of GNU tar's own format, long names included, at their data", async () => {
    const root = path.join(scratch, "gnu-root");
    mkdirSync(path.join(root, path.dirname(longName)), { recursive: true });
    writeFileSync(path.join(root, longName), "long\n");
    writeFileSync(path.join(root, "short.txt"), "short text\n");
    const archive = path.join(scratch, "gnu.tar");
    execFileSync("tar", ["--format=gnu", "-cf", archive, "-C", root, "short.txt", longName]);
    const members = await indexOf(archive);
    const bytes = readFileSync(archive);
    const short = members.find((m) => m.name === "short.txt")!;
    expect(bytes.subarray(short.offset, short.offset + short.size).toString()).toBe("short text\n");
    const long = members.find((m) => m.name === longName)!;
    expect(long).toMatchObject({ type: "File", size: 5 });
    expect(bytes.subarray(long.offset, long.offset + long.size).toString()).toBe("long\n");
  });

  it("applies pax headers (tar-stream writes them for long names)", async () => {
    const archive = path.join(scratch, "pax.tar");
    await writeDeterministicTar([{ path: longName, content: new TextEncoder().encode("pax\n") }], archive);
    const members = await indexOf(archive);
    const file = members.find((m) => m.type === "File")!;
    expect(file.name).toBe(longName);
    expect(
      readFileSync(archive)
        .subarray(file.offset, file.offset + file.size)
        .toString(),
    ).toBe("pax\n");
  });

  it("writes sizes past 8 GiB in base-256, which node-tar reads back", () => {
    const size = 9 * 1024 ** 3 + 7;
    const block = fileHeader("image.tar", size);
    expect(block[124]! & 0x80).toBe(0x80);
    const decoded = new Header(block, 0);
    expect(decoded).toMatchObject({ path: "image.tar", size, cksumValid: true, uid: 0, gid: 0 });
    expect(decoded.mtime?.getTime()).toBe(0);
  });

  it("names a corrupted header and a cut-short member", async () => {
    const archive = path.join(scratch, "ok.tar");
    await writeDeterministicTar(
      [{ path: "a.txt", content: new TextEncoder().encode("a".repeat(600)) }],
      archive,
    );
    const corrupted = path.join(scratch, "corrupted.tar");
    const bytes = readFileSync(archive);
    bytes[0] = "b".charCodeAt(0);
    writeFileSync(corrupted, bytes);
    await expect(indexOf(corrupted)).rejects.toThrow(
      new TarIndexError("corrupted.tar", "the header at byte 0 is corrupted"),
    );
    // A number field with an invalid base-256 prefix, which node-tar's header decoder throws on.
    const undecodable = path.join(scratch, "undecodable.tar");
    const mtimeBadPrefix = readFileSync(archive);
    mtimeBadPrefix[136] = 0x81;
    writeFileSync(undecodable, mtimeBadPrefix);
    await expect(indexOf(undecodable)).rejects.toThrow(
      new TarIndexError("undecodable.tar", "the header at byte 0 is corrupted"),
    );
    const cut = path.join(scratch, "cut.tar");
    writeFileSync(cut, readFileSync(archive).subarray(0, 700));
    await expect(indexOf(cut)).rejects.toThrow(new TarIndexError("cut.tar", "a.txt is cut short"));
  });
});

// `msehome decrypt` when its output cannot be finished: the disk fills up, or the process is
// killed (SIGKILL) half-way. Nothing appears under the output's name, and the next run cleans
// what the killed one left and succeeds.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { watch } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aesGcmEncryptFile } from "../../src/crypto/aesGcmFile.js";
import { CLI_PATH, runCli } from "../support/cli.js";
import { mountSmallFileSystem } from "../support/smallFileSystem.js";

const key = randomBytes(32);
const aes = Buffer.from(key).toString("hex");

describe("decrypt under faults", () => {
  let work = "";
  let encrypted = "";
  let plaintext: Buffer;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "msehome-e2e-decrypt-faults-"));
    // Large enough that decrypting it takes a while, so a kill lands in the middle.
    plaintext = randomBytes(64 * 1024 * 1024);
    await writeFile(path.join(work, "result.bin"), plaintext);
    encrypted = path.join(work, "result.bin.enc");
    await aesGcmEncryptFile(key, path.join(work, "result.bin"), encrypted);
    await rm(path.join(work, "result.bin"));
  }, 120_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("says the disk is full, naming the directory, and leaves nothing there; a re-run elsewhere succeeds", async () => {
    const full = await mountSmallFileSystem(1024 * 1024);
    try {
      const output = path.join(full.directory, "result.bin");
      const run = await runCli(["decrypt", "--aes", aes, "--output", output, encrypted]);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toBe(
        `error: no space left on the file system of ${full.directory} for result.bin (nothing half-written was kept); free some space or write elsewhere.\n`,
      );
      expect(await full.entries()).toEqual([]);
    } finally {
      await full.remove();
    }
    const output = path.join(work, "retry.bin");
    const retry = await runCli(["decrypt", "--aes", aes, "--output", output, encrypted]);
    expect(retry.code, retry.stderr).toBe(0);
    expect((await readFile(output)).equals(plaintext)).toBe(true);
    await rm(output);
  }, 120_000);

  it("killed half-way, leaves no output under its name; the next run removes the leftover and succeeds", async () => {
    const outputDir = await mkdtemp(path.join(work, "killed-"));
    const output = path.join(outputDir, "result.bin");
    const child = spawn(
      process.execPath,
      [CLI_PATH, "decrypt", "--aes", aes, "--output", output, encrypted],
      {
        stdio: "ignore",
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    // Killed as soon as its temporary file appears: it is writing.
    const watcher = watch(outputDir, () => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    const signal = await exited;
    watcher.close();
    expect(signal).toBe("SIGKILL");
    const left = await readdir(outputDir);
    expect(left).not.toContain("result.bin");
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(new RegExp(`^\\.result\\.bin\\.${child.pid}-[0-9a-f]{12}\\.partial$`));

    const retry = await runCli(["decrypt", "--aes", aes, "--output", output, encrypted]);
    expect(retry.code, retry.stderr).toBe(0);
    expect(await readdir(outputDir)).toEqual(["result.bin"]);
    expect((await readFile(output)).equals(plaintext)).toBe(true);
  }, 120_000);
});

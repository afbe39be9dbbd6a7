// `msehome decrypt` as a user runs it: results decrypt, and every bad key or input leaves no output file.
import { describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../../test/support/tempDir.js";
import { randomBytes } from "node:crypto";
import { readFile, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { runCli } from "../../../test/support/cli.js";
import { aesGcmEncrypt } from "../../crypto/aesGcm.js";
import { fernetEncrypt, generateFernetKey } from "../../crypto/fernet.js";

const dir = tempDirPerTest("decrypt");

const message = new TextEncoder().encode("message using result_aes_key from SECRETS");
const keyHex = randomBytes(32).toString("hex");

async function aesInput(
  data: Uint8Array = aesGcmEncrypt(Buffer.from(keyHex, "hex"), message),
): Promise<string> {
  await writeFile(path.join(dir(), "result.bin"), data);
  return "result.bin";
}

async function fernetInput(key: string, token = fernetEncrypt(key, message)): Promise<string> {
  await writeFile(path.join(dir(), "result.key"), `${key}\n`);
  await writeFile(path.join(dir(), "result.token"), token);
  return "result.token";
}

function expectOneLineError(
  run: { code: number; stderr: string; stdout: string },
  code: number,
  pattern: RegExp,
) {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stdout).toBe("");
  const lines = run.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
}

describe("msehome decrypt", () => {
  it.each([16, 24, 32])("decrypts AES-GCM under a %i-byte --aes key", async (length) => {
    const key = randomBytes(length);
    await aesInput(aesGcmEncrypt(key, message));
    const run = await runCli(["decrypt", "--aes", key.toString("hex"), "--output", "out.txt", "result.bin"], {
      cwd: dir(),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `Decrypted result.bin into out.txt (${message.length} bytes, AES-${length * 8}-GCM)`,
    );
    expect(await readFile(path.join(dir(), "out.txt"))).toEqual(Buffer.from(message));
    expect((await stat(path.join(dir(), "out.txt"))).mode & 0o777).toBe(0o600);
  });

  it("decrypts a Fernet token with --key and prints JSON with --json", async () => {
    const key = generateFernetKey();
    await fernetInput(key);
    const run = await runCli(
      ["--json", "decrypt", "--key", "result.key", "--output", "out.txt", "result.token"],
      {
        cwd: dir(),
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      input: "result.token",
      output: "out.txt",
      algorithm: "Fernet",
      bytes: message.length,
    });
    expect(await readFile(path.join(dir(), "out.txt"), "utf8")).toBe(new TextDecoder().decode(message));
  });

  const aesFailures: Array<[string, (data: Uint8Array) => Uint8Array, string, RegExp]> = [
    ["a wrong key", (d) => d, randomBytes(32).toString("hex"), /authentication failed \(wrong key/],
    ["a tampered ciphertext", (d) => flip(d, 20), keyHex, /authentication failed/],
    ["a tampered tag", (d) => flip(d, d.length - 1), keyHex, /authentication failed/],
    ["a truncated input", (d) => d.subarray(0, d.length - 5), keyHex, /authentication failed/],
    ["an input shorter than nonce and tag", (d) => d.subarray(0, 10), keyHex, /10 bytes, shorter than/],
  ];

  it.each(aesFailures)("refuses AES-GCM with %s and writes no output", async (_what, alter, key, pattern) => {
    await aesInput(alter(aesGcmEncrypt(Buffer.from(keyHex, "hex"), message)));
    const run = await runCli(["decrypt", "--aes", key, "--output", "out.txt", "result.bin"], { cwd: dir() });
    expectOneLineError(run, 1, pattern);
    expect(run.stderr).toMatch(/cannot decrypt result\.bin \(out\.txt was not written\)/);
    expect(run.stderr).not.toContain(key);
    expect(await readdir(dir())).toEqual(["result.bin"]);
  });

  it("keeps an existing output file when decryption fails", async () => {
    await aesInput(flip(aesGcmEncrypt(Buffer.from(keyHex, "hex"), message), 30));
    await writeFile(path.join(dir(), "out.txt"), "earlier result");
    const run = await runCli(["decrypt", "--aes", keyHex, "--output", "out.txt", "result.bin"], {
      cwd: dir(),
    });
    expect(run.code).toBe(1);
    expect(await readFile(path.join(dir(), "out.txt"), "utf8")).toBe("earlier result");
  });

  const fernetFailures: Array<[string, (key: string) => Promise<void>, RegExp]> = [
    [
      "a wrong key",
      async (key) => void (await fernetInput(generateFernetKey(), fernetEncrypt(key, message))),
      /HMAC does not match/,
    ],
    [
      "a tampered token",
      async (key) => {
        const token = fernetEncrypt(key, message);
        const bytes = Buffer.from(token, "base64url");
        bytes[40]! ^= 1;
        await fernetInput(key, bytes.toString("base64url"));
      },
      /HMAC does not match/,
    ],
    [
      "a truncated token",
      async (key) => void (await fernetInput(key, fernetEncrypt(key, message).slice(0, 60))),
      /too short|HMAC/,
    ],
    [
      "a key file without a Fernet key",
      async (key) => void (await fernetInput("not-a-key", fernetEncrypt(key, message))),
      /result\.key does not hold a Fernet key/,
    ],
  ];

  it.each(fernetFailures)(
    "refuses a Fernet token with %s and writes no output",
    async (_what, prepare, pattern) => {
      await prepare(generateFernetKey());
      const run = await runCli(["decrypt", "--key", "result.key", "--output", "out.txt", "result.token"], {
        cwd: dir(),
      });
      expectOneLineError(run, 1, pattern);
      expect((await readdir(dir())).sort()).toEqual(["result.key", "result.token"]);
    },
  );

  it.each([
    [["decrypt", "--output", "o", "in"], /needs a key: --aes <hex> or --key <file>/],
    [["decrypt", "--aes", keyHex, "--key", "k", "--output", "o", "in"], /cannot be used with/],
    [["decrypt", "--aes", "abc", "--output", "o", "in"], /--aes: .*got 3 hex digits/],
    [["decrypt", "--aes", keyHex, "in"], /required option '--output <file>'/],
  ])("exits 2 on a usage error: %j", async (args, pattern) => {
    const run = await runCli(args, { cwd: dir() });
    expectOneLineError(run, 2, pattern);
  });

  it("refuses to overwrite its input and names a missing input", async () => {
    await aesInput();
    const same = await runCli(["decrypt", "--aes", keyHex, "--output", "./result.bin", "result.bin"], {
      cwd: dir(),
    });
    expectOneLineError(same, 1, /is the input file/);
    const missing = await runCli(["decrypt", "--aes", keyHex, "--output", "o", "nope.bin"], { cwd: dir() });
    expectOneLineError(missing, 1, /cannot read nope\.bin: ENOENT/);
  });

  it("explains every flag in --help", async () => {
    const run = await runCli(["decrypt", "--help"]);
    expect(run.code).toBe(0);
    for (const flag of ["--aes <hex>", "--key <file>", "--output <file>", "<input>"])
      expect(run.stdout).toContain(flag);
  });
});

function flip(data: Uint8Array, index: number): Uint8Array {
  const copy = data.slice();
  copy[index]! ^= 1;
  return copy;
}

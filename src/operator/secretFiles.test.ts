// The files `run` sends are checked first, each failure one sentence that never echoes a secret.
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSealedBoxKeyPair, openSealedBox, sealBox } from "../crypto/sealedBox.js";
import { OperatorInputError } from "./errors.js";
import { readCodeKeyFile, readSealedSecretsFile, readSecretsFile } from "./secretFiles.js";

let dir: string;
const file = (name: string) => path.join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "msehome-secret-files-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<OperatorInputError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OperatorInputError);
  return error as OperatorInputError;
}

describe("--secrets", () => {
  it("reads any JSON document", async () => {
    await writeFile(file("secrets.json"), JSON.stringify({ result_aes_key: "00ff" }));
    expect(await readSecretsFile(file("secrets.json"))).toEqual({ result_aes_key: "00ff" });
  });

  it("refuses a file that is not JSON, without quoting it", async () => {
    await writeFile(file("secrets.txt"), "password=hunter2");
    const error = await failure(readSecretsFile(file("secrets.txt")));
    expect(error.message).toBe(`--secrets ${file("secrets.txt")} is not a JSON document`);
    expect(error.message).not.toContain("hunter2");
  });

  it("refuses a missing file and a directory", async () => {
    expect((await failure(readSecretsFile(file("none.json")))).message).toMatch(/^cannot read --secrets /);
    await mkdir(file("folder"));
    expect((await failure(readSecretsFile(file("folder")))).message).toMatch(/is not a file$/);
  });

  // A file nested thousands deep would overflow JSON.stringify when the payload is built.
  it("refuses secrets nested deeper than the enclave accepts", async () => {
    await writeFile(file("deep.json"), `${"[".repeat(20_000)}${"]".repeat(20_000)}`);
    expect((await failure(readSecretsFile(file("deep.json")))).message).toMatch(
      /deep\.json is nested deeper than the 63 levels the enclave accepts$/,
    );
  });

  it("refuses more than the enclave accepts", async () => {
    await writeFile(file("huge.json"), `"${"a".repeat(1024 * 1024)}"`);
    expect((await failure(readSecretsFile(file("huge.json")))).message).toMatch(
      /the enclave accepts at most 1048576 bytes/,
    );
  });
});

describe("--sealed-secrets", () => {
  it("reads a sealed box as it was sealed", async () => {
    const keys = generateSealedBoxKeyPair();
    const message = new TextEncoder().encode('{"result_sk":"x"}');
    await writeFile(file("secrets.json.sealed"), sealBox(message, keys.publicKey));
    const sealed = await readSealedSecretsFile(file("secrets.json.sealed"));
    expect(openSealedBox(sealed, keys.publicKey, keys.secretKey)).toEqual(message);
  });

  it("refuses plain JSON: the secrets were never sealed", async () => {
    await writeFile(
      file("plain.json"),
      JSON.stringify({ result_sk: "a-secret-value-that-is-long-enough-for-a-box" }),
    );
    const error = await failure(readSealedSecretsFile(file("plain.json")));
    expect(error.message).toMatch(
      /is plain JSON, not a sealed box; the code provider seals it with `msehome seal`/,
    );
    expect(error.message).not.toContain("a-secret-value");
  });

  it("refuses a file too short to be a sealed box", async () => {
    await writeFile(file("short.sealed"), Buffer.alloc(48));
    expect((await failure(readSealedSecretsFile(file("short.sealed")))).message).toMatch(
      /48 bytes, too short for a sealed box/,
    );
  });
});

describe("--key", () => {
  it("reads 64 hex digits and a trailing newline", async () => {
    const hex = "0123456789abcdef".repeat(4);
    await writeFile(file("package.key"), `${hex}\n`);
    expect(Buffer.from(await readCodeKeyFile(file("package.key"))).toString("hex")).toBe(hex);
  });

  it.each(["abc", "zz".repeat(32), "00".repeat(33)])("refuses %j", async (content) => {
    await writeFile(file("bad.key"), content);
    const error = await failure(readCodeKeyFile(file("bad.key")));
    expect(error.message).toMatch(/does not hold a code key \(64 hexadecimal digits/);
    expect(error.message).not.toContain(content);
  });
});

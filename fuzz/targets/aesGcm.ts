// AES-GCM results (nonce ‖ ciphertext ‖ tag) as `decrypt --aes` reads them, in memory and streamed
// from a file: both must agree, a refused file must leave no output (not even a partial one), and
// no message may repeat the key.
import fc from "fast-check";
import { readdir, rm, writeFile, readFile } from "node:fs/promises";
import path from "node:path";
import { aesGcmDecrypt } from "../../src/crypto/aesGcm.js";
import { aesGcmDecryptFile } from "../../src/crypto/aesGcmFile.js";
import { DecryptionError, InvalidKeyError } from "../../src/crypto/errors.js";
import { mutatedBytes } from "../mutations.js";
import { defineTarget, PropertyViolation } from "../target.js";

type Input = { key: Uint8Array; data: Uint8Array };

export const aesGcmTarget = defineTarget<Input>({
  name: "aes-gcm",
  drives: "aesGcmDecrypt and aesGcmDecryptFile (lengths, tag, atomic output), compared",
  allowed: [DecryptionError, InvalidKeyError],
  input: (seeds) =>
    fc.oneof(
      {
        weight: 9,
        arbitrary: fc
          .tuple(fc.nat(), mutatedBytes(seeds.aesGcm.map((a) => a.data)))
          .map(([i, data]) => ({ key: seeds.aesGcm[i % seeds.aesGcm.length]!.key, data })),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          key: fc.uint8Array({ maxLength: 40 }),
          data: fc.constantFrom(...seeds.aesGcm.map((a) => a.data)),
        }),
      },
    ),
  async run({ key, data }, { workDir }) {
    const input = path.join(workDir, "result.bin");
    const output = path.join(workDir, "result.txt");
    await writeFile(input, data);
    let inMemory: Uint8Array | Error;
    try {
      inMemory = aesGcmDecrypt(key, data);
    } catch (error) {
      inMemory = error as Error;
    }
    let fromFile: Error | undefined;
    try {
      await aesGcmDecryptFile(key, input, output);
    } catch (error) {
      fromFile = error as Error;
    }
    const left = (await readdir(workDir)).sort();
    const written = fromFile ? undefined : await readFile(output);
    await rm(output, { force: true });
    if (inMemory instanceof Error !== (fromFile !== undefined)) {
      throw new PropertyViolation(
        `in memory ${inMemory instanceof Error ? "refused" : "accepted"}, from a file ${fromFile ? "refused" : "accepted"}`,
      );
    }
    if (fromFile) {
      if (left.length !== 1) throw new PropertyViolation(`a refused decryption left ${left.join(", ")}`);
      const keyHex = Buffer.from(key).toString("hex");
      // Keys of a few bytes would match any number in a message; real keys are 16 bytes and more.
      if (key.length >= 8 && [fromFile, inMemory as Error].some((e) => e.message.includes(keyHex))) {
        throw new PropertyViolation("an error message repeats the key");
      }
      throw fromFile;
    }
    if (!written!.equals(Buffer.from(inMemory as Uint8Array))) {
      throw new PropertyViolation("the file and in-memory decryptions differ");
    }
  },
  testRuns: 400,
  timeLimitMs: 5000,
  show: (input) =>
    JSON.stringify({
      key: Buffer.from(input.key).toString("hex"),
      data: Buffer.from(input.data).toString("base64"),
    }),
});

// Benchmark of `msehome decrypt --aes` on a 1 GiB AES-GCM file: throughput and the CLI process's peak
// RSS, which must stay under 100 MiB (the decryption streams). Exits 1 when over the limit.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, rm, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { aesGcmEncryptFile } from "../src/crypto/aesGcmFile.js";
import { digestFile } from "../src/crypto/streamDigest.js";
import { CLI, MiB, runMeasured } from "./support/peakRss.js";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const WORK_DIR = path.join(REPO_ROOT, ".bench-tmp", "decrypt");
const SIZE = Number(process.env.BENCH_DECRYPT_BYTES ?? 1024 ** 3);
const RSS_LIMIT_MIB = 100;

async function writePlaintext(file: string): Promise<string> {
  const block = randomBytes(MiB);
  const hash = createHash("sha256");
  const handle = await open(file, "w");
  try {
    for (let written = 0; written < SIZE; written += MiB) {
      // A different first byte per block, so no two blocks are equal.
      block.writeUInt32LE(written / MiB, 0);
      const chunk = block.subarray(0, Math.min(MiB, SIZE - written));
      hash.update(chunk);
      await handle.write(chunk);
    }
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}

async function main(): Promise<number> {
  await rm(WORK_DIR, { recursive: true, force: true });
  await mkdir(WORK_DIR, { recursive: true });
  const plain = path.join(WORK_DIR, "plain.bin");
  const encrypted = path.join(WORK_DIR, "result.bin");
  const output = path.join(WORK_DIR, "result.out");
  try {
    const key = randomBytes(32);
    process.stderr.write(`preparing a ${(SIZE / MiB).toFixed(0)} MiB AES-256-GCM input...\n`);
    const expected = await writePlaintext(plain);
    await aesGcmEncryptFile(key, plain, encrypted);
    await rm(plain);

    const run = await runMeasured(
      [CLI, "decrypt", "--aes", key.toString("hex"), "--output", output, encrypted],
      {
        captureStderr: true,
      },
    );
    if (run.code !== 0) {
      process.stderr.write(`decrypt failed (exit ${run.code}): ${run.stderr}`);
      return 1;
    }
    const { seconds, peakMiB: peakRssMiB } = run;
    const { size } = await stat(output);
    const intact = size === SIZE && (await digestFile(output)).sha256 === expected;

    console.log(
      `input:      ${(SIZE / MiB).toFixed(0)} MiB AES-256-GCM (12-byte nonce, ciphertext, 16-byte tag)`,
    );
    console.log(`time:       ${seconds.toFixed(2)} s (whole CLI process, start-up included)`);
    console.log(
      `throughput: ${(SIZE / 1e6 / seconds).toFixed(0)} MB/s (${(SIZE / MiB / seconds).toFixed(0)} MiB/s)`,
    );
    console.log(`peak RSS:   ${peakRssMiB.toFixed(1)} MiB (limit ${RSS_LIMIT_MIB} MiB)`);
    console.log(
      `output:     ${intact ? "identical to the plaintext (SHA-256)" : "DIFFERS from the plaintext"}`,
    );
    if (!intact) return 1;
    if (peakRssMiB >= RSS_LIMIT_MIB) {
      console.log(`FAIL: peak RSS ${peakRssMiB.toFixed(1)} MiB is over the ${RSS_LIMIT_MIB} MiB limit`);
      return 1;
    }
    return 0;
  } finally {
    await rm(WORK_DIR, { recursive: true, force: true });
  }
}

process.exitCode = await main();

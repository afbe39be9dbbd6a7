import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import { GramineProvider } from "./gramineProvider.js";

// A directory standing in for Gramine's /dev/attestation pseudo-filesystem.
const dir = tempDirPerTest("attestation");
beforeEach(async () => {
  await mkdir(path.join(dir(), "keys"));
  await writeFile(path.join(dir(), "attestation_type"), "dcap");
  await writeFile(path.join(dir(), "quote"), Buffer.from("QUOTE"));
  await writeFile(path.join(dir(), "keys/_sgx_mrenclave"), Buffer.alloc(16, 9));
  const report = Buffer.alloc(432);
  report.fill(0xee, 64, 96);
  await writeFile(path.join(dir(), "report"), report);
});

describe("Gramine attestation provider", () => {
  it("writes the report data before reading the quote", async () => {
    const provider = new GramineProvider(dir());
    await provider.checkAvailable();
    const reportData = new Uint8Array(64).map((_, i) => i);
    expect(Buffer.from(await provider.quote(reportData)).toString()).toBe("QUOTE");
    expect(new Uint8Array(await readFile(path.join(dir(), "user_report_data")))).toEqual(reportData);
  });

  it("refuses report data that is not 64 bytes", async () => {
    await expect(new GramineProvider(dir()).quote(new Uint8Array(32))).rejects.toThrow(/64 bytes/);
  });

  it("reads the MRENCLAVE sealing key and its own MRENCLAVE from a self-targeted report", async () => {
    const provider = new GramineProvider(dir());
    expect(await provider.sealingKey()).toEqual(new Uint8Array(16).fill(9));
    expect(Buffer.from(await provider.measurement()).toString("hex")).toBe("ee".repeat(32));
    expect((await readFile(path.join(dir(), "target_info"))).length).toBe(512);
    expect(provider.storageEncryptedByPlatform).toBe(true);
  });

  it("says clearly when it is not inside Gramine or attestation is not DCAP", async () => {
    await expect(new GramineProvider(path.join(dir(), "missing")).checkAvailable()).rejects.toThrow(
      /not inside a Gramine SGX enclave/,
    );
    await writeFile(path.join(dir(), "attestation_type"), "none");
    await expect(new GramineProvider(dir()).checkAvailable()).rejects.toThrow(/"none", but DCAP is required/);
  });
});

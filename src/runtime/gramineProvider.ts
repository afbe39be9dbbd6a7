// The hardware attestation provider: Gramine's /dev/attestation pseudo-files, read and written
// from inside the enclave (quote for given report data, MRENCLAVE sealing key, own report).
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { assertReportData, type AttestationProvider } from "./attestationProvider.js";

export const GRAMINE_ATTESTATION_DIR = "/dev/attestation";

/** Offset of MRENCLAVE in an SGX REPORT (cpusvn 16, miscselect 4, reserved 28, attributes 16). */
const REPORT_MRENCLAVE_OFFSET = 64;
const TARGET_INFO_LENGTH = 512;

export class GramineProvider implements AttestationProvider {
  readonly mode = "sgx" as const;
  readonly storageEncryptedByPlatform = true;

  constructor(private readonly dir: string = GRAMINE_ATTESTATION_DIR) {}

  /** Fails with one sentence unless Gramine is set up for DCAP attestation. */
  async checkAvailable(): Promise<void> {
    let type: string;
    try {
      type = (await readFile(path.join(this.dir, "attestation_type"), "utf8")).trim();
    } catch (error) {
      throw new Error(`${this.dir} is not available: the runtime is not inside a Gramine SGX enclave`, {
        cause: error,
      });
    }
    if (type !== "dcap") {
      throw new Error(`Gramine reports attestation type "${type}", but DCAP is required`);
    }
  }

  async quote(reportData: Uint8Array): Promise<Uint8Array> {
    assertReportData(reportData);
    await writeFile(path.join(this.dir, "user_report_data"), reportData);
    return new Uint8Array(await readFile(path.join(this.dir, "quote")));
  }

  async sealingKey(): Promise<Uint8Array> {
    const key = new Uint8Array(await readFile(path.join(this.dir, "keys", "_sgx_mrenclave")));
    if (key.length !== 16) throw new Error(`the MRENCLAVE sealing key has ${key.length} bytes instead of 16`);
    return key;
  }

  async measurement(): Promise<Uint8Array> {
    // A report targeted at ourselves: zero target info is enough to read our own identity.
    await writeFile(path.join(this.dir, "target_info"), new Uint8Array(TARGET_INFO_LENGTH));
    await writeFile(path.join(this.dir, "user_report_data"), new Uint8Array(64));
    const report = await readFile(path.join(this.dir, "report"));
    if (report.length < REPORT_MRENCLAVE_OFFSET + 32) throw new Error("the SGX report is too short");
    return new Uint8Array(report.subarray(REPORT_MRENCLAVE_OFFSET, REPORT_MRENCLAVE_OFFSET + 32));
  }
}

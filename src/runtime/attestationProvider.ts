// What the bootstrap needs from the platform it runs on. Two implementations: Gramine's
// /dev/attestation on SGX hardware, and the simulated SGX platform.

export type AttestationMode = "sgx" | "simulation";

export interface AttestationProvider {
  readonly mode: AttestationMode;
  /**
   * True when the storage directory is already encrypted by the platform (a Gramine encrypted
   * mount keyed by `_sgx_mrenclave`); false when the runtime must seal each record itself.
   */
  readonly storageEncryptedByPlatform: boolean;
  /** MRENCLAVE of the running enclave (32 bytes). */
  measurement(): Promise<Uint8Array>;
  /** The MRENCLAVE-bound sealing key (16 bytes on SGX). Only ever used through a KDF. */
  sealingKey(): Promise<Uint8Array>;
  /** A DCAP quote whose report_data is exactly these 64 bytes. */
  quote(reportData: Uint8Array): Promise<Uint8Array>;
}

export const REPORT_DATA_LENGTH = 64;

export function assertReportData(reportData: Uint8Array): void {
  if (reportData.length !== REPORT_DATA_LENGTH) {
    throw new Error(`report_data must be ${REPORT_DATA_LENGTH} bytes, got ${reportData.length}`);
  }
}

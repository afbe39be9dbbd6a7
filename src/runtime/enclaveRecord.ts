// The one record a configured enclave keeps in its storage: its identity (TLS key and RA-TLS
// certificate) together with the configuration it accepted, written once, atomically, when the
// configuration is accepted. Gramine's encrypted files (and the simulation's sealed records) detect
// tampering but not a deleted or rolled-back file; with identity and configuration in one record,
// the host has no earlier state in which that certificate waits for a configuration: deleting the
// record gives a fresh certificate (which the operator must have verified again), and an older
// record is an older configured enclave with its own certificate. Never a second configuration
// behind one certificate.
import { z } from "zod";
import type { AttestationProvider } from "./attestationProvider.js";
import {
  type AppConfiguration,
  configurationFromRecord,
  configurationRecord,
  configurationRecordSchema,
} from "./appConfiguration.js";
import {
  type EnclaveIdentity,
  identityFromRecord,
  identityRecord,
  identityRecordSchema,
} from "./enclaveIdentity.js";
import { EnclaveStorageError, type EnclaveStorage } from "./enclaveStorage.js";

/** The record's name in enclave storage. */
export const CONFIGURED_ENCLAVE_RECORD = "configured-enclave";

const recordSchema = z.strictObject({
  format: z.literal(1),
  identity: identityRecordSchema,
  configuration: configurationRecordSchema,
});

export interface ConfiguredEnclave {
  identity: EnclaveIdentity;
  configuration: AppConfiguration;
}

/** The configured enclave this storage holds, or undefined when it was never configured. */
export async function loadConfiguredEnclave(
  storage: EnclaveStorage,
  provider: AttestationProvider,
): Promise<ConfiguredEnclave | undefined> {
  const stored = await storage.read(CONFIGURED_ENCLAVE_RECORD);
  if (stored === undefined) return undefined;
  let record: z.infer<typeof recordSchema>;
  try {
    record = recordSchema.parse(JSON.parse(Buffer.from(stored).toString("utf8")));
  } catch (cause) {
    throw new EnclaveStorageError(
      `enclave storage record "${CONFIGURED_ENCLAVE_RECORD}" is not in a format this runtime reads`,
      { cause },
    );
  }
  return {
    identity: await identityFromRecord(record.identity, provider),
    configuration: configurationFromRecord(record.configuration),
  };
}

/** Keeps the identity and the configuration it accepted, in one atomic write. */
export async function storeConfiguredEnclave(
  storage: EnclaveStorage,
  enclave: ConfiguredEnclave,
): Promise<void> {
  const record: z.infer<typeof recordSchema> = {
    format: 1,
    identity: identityRecord(enclave.identity),
    configuration: configurationRecord(enclave.configuration),
  };
  await storage.write(CONFIGURED_ENCLAVE_RECORD, new TextEncoder().encode(JSON.stringify(record)));
}

// What a configuration payload becomes inside the enclave: secrets unsealed with the enclave key,
// the code key taken (directly or from the sealed secrets), the app's code prepared (a copy of
// the code as shipped, `.enc` files decrypted) and the secret files written. The result is kept
// in the enclave's record (enclaveRecord) so a restart serves the app without asking again.
import { cp, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { DecryptionError } from "../crypto/errors.js";
import { ENCRYPTED_SUFFIX, decryptEncryptedFilesInPlace } from "../crypto/codeEncryption.js";
import { openSealedBox } from "../crypto/sealedBox.js";
import type { ConfigurationPayload } from "../model/configurationPayload.js";
import { ConfigurationRejected } from "./configurationServer.js";
import { emptyDirectory } from "./emptyDirectory.js";
import type { EnclaveIdentity } from "./enclaveIdentity.js";

/** The accepted configuration, in the form it is stored. */
export interface AppConfiguration {
  /** `app_secrets` serialised as JSON, written to SECRETS_PATH. */
  appSecrets?: string;
  /** The unsealed `app_sealed_secrets`, written as is to SEALED_SECRETS_PATH. */
  sealedSecrets?: Uint8Array;
  codeSecretKey?: Uint8Array;
}

export const SECRETS_FILE = "secrets.json";
export const SEALED_SECRETS_FILE = "sealed_secrets.json";

const HEX_KEY = /^[0-9a-fA-F]{64}$/;

export const configurationRecordSchema = z.strictObject({
  appSecrets: z.string().optional(),
  sealedSecrets: z.base64().optional(),
  codeSecretKey: z.string().regex(HEX_KEY).optional(),
});

export type ConfigurationRecord = z.infer<typeof configurationRecordSchema>;

/** Unseals the payload and settles the code key. Throws ConfigurationRejected (→ 400). */
export function resolveConfiguration(
  payload: ConfigurationPayload,
  identity: EnclaveIdentity,
): AppConfiguration {
  const configuration: AppConfiguration = {};
  if (payload.appSecrets !== undefined) configuration.appSecrets = JSON.stringify(payload.appSecrets);
  let keyFromSealed: Uint8Array | undefined;
  if (payload.appSealedSecrets !== undefined) {
    try {
      configuration.sealedSecrets = openSealedBox(
        payload.appSealedSecrets,
        identity.enclavePublicKey,
        identity.enclaveSecretKey,
      );
    } catch (error) {
      if (error instanceof DecryptionError) {
        throw new ConfigurationRejected(
          "app_sealed_secrets cannot be opened with this enclave's key (was it sealed to another enclave?)",
        );
      }
      throw error;
    }
    keyFromSealed = codeKeyInSealedSecrets(configuration.sealedSecrets);
  }
  const key = payload.codeSecretKey ?? keyFromSealed;
  if (
    payload.codeSecretKey &&
    keyFromSealed &&
    !Buffer.from(payload.codeSecretKey).equals(Buffer.from(keyFromSealed))
  ) {
    throw new ConfigurationRejected(
      "code_secret_key differs from the code_secret_key inside app_sealed_secrets",
    );
  }
  if (key !== undefined) configuration.codeSecretKey = key;
  return configuration;
}

/** A sealed-secrets JSON object may carry the code key as `code_secret_key` (64 hex digits). */
function codeKeyInSealedSecrets(plaintext: Uint8Array): Uint8Array | undefined {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(plaintext).toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null) return undefined;
  const value = (json as Record<string, unknown>).code_secret_key;
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !HEX_KEY.test(value)) {
    throw new ConfigurationRejected("the code_secret_key inside app_sealed_secrets is not 64 hex digits");
  }
  return new Uint8Array(Buffer.from(value, "hex"));
}

async function containsEncryptedFile(dir: string): Promise<boolean> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && (await containsEncryptedFile(path.join(dir, entry.name)))) return true;
    if (entry.isFile() && entry.name.endsWith(ENCRYPTED_SUFFIX)) return true;
  }
  return false;
}

/**
 * Refills appDir (a mount point: emptied, never removed) from codeDir and decrypts it. Throws
 * ConfigurationRejected when the code is encrypted and the key is missing or wrong; appDir is then
 * left empty.
 */
export async function prepareAppDirectory(
  codeDir: string,
  appDir: string,
  codeSecretKey?: Uint8Array,
): Promise<void> {
  await emptyDirectory(appDir);
  await cp(codeDir, appDir, { recursive: true, verbatimSymlinks: true });
  if (!(await containsEncryptedFile(appDir))) return;
  if (codeSecretKey === undefined) {
    await emptyDirectory(appDir);
    throw new ConfigurationRejected("the code is encrypted and no code_secret_key was provided");
  }
  try {
    await decryptEncryptedFilesInPlace(appDir, codeSecretKey);
  } catch (error) {
    await emptyDirectory(appDir);
    if (error instanceof DecryptionError)
      throw new ConfigurationRejected("code_secret_key does not decrypt the code");
    throw error;
  }
}

/** Writes the secret files and returns the environment the app sees them through. */
export async function writeSecretFiles(
  secretsDir: string,
  configuration: AppConfiguration,
): Promise<{ SECRETS_PATH?: string; SEALED_SECRETS_PATH?: string }> {
  await mkdir(secretsDir, { recursive: true, mode: 0o700 });
  const environment: { SECRETS_PATH?: string; SEALED_SECRETS_PATH?: string } = {};
  const secretsPath = path.join(secretsDir, SECRETS_FILE);
  const sealedPath = path.join(secretsDir, SEALED_SECRETS_FILE);
  await rm(secretsPath, { force: true });
  await rm(sealedPath, { force: true });
  if (configuration.appSecrets !== undefined) {
    await writeFile(secretsPath, configuration.appSecrets, { mode: 0o600 });
    environment.SECRETS_PATH = secretsPath;
  }
  if (configuration.sealedSecrets !== undefined) {
    await writeFile(sealedPath, configuration.sealedSecrets, { mode: 0o600 });
    environment.SEALED_SECRETS_PATH = sealedPath;
  }
  return environment;
}

/** The configuration in the form the enclave's record keeps it. */
export function configurationRecord(configuration: AppConfiguration): ConfigurationRecord {
  const record: ConfigurationRecord = {};
  if (configuration.appSecrets !== undefined) record.appSecrets = configuration.appSecrets;
  if (configuration.sealedSecrets !== undefined) {
    record.sealedSecrets = Buffer.from(configuration.sealedSecrets).toString("base64");
  }
  if (configuration.codeSecretKey !== undefined) {
    record.codeSecretKey = Buffer.from(configuration.codeSecretKey).toString("hex");
  }
  return record;
}

export function configurationFromRecord(record: ConfigurationRecord): AppConfiguration {
  const configuration: AppConfiguration = {};
  if (record.appSecrets !== undefined) configuration.appSecrets = record.appSecrets;
  if (record.sealedSecrets !== undefined) {
    configuration.sealedSecrets = new Uint8Array(Buffer.from(record.sealedSecrets, "base64"));
  }
  if (record.codeSecretKey !== undefined) {
    configuration.codeSecretKey = new Uint8Array(Buffer.from(record.codeSecretKey, "hex"));
  }
  return configuration;
}

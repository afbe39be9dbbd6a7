// The files `msehome run` hands to the enclave, read and checked before anything is sent: plain
// secrets (JSON), sealed secrets (a libsodium sealed box from `msehome seal`) and the code key
// (hex, from `msehome package --encrypt`). Their contents are never echoed in errors.
import { readFile, stat } from "node:fs/promises";
import { SEALED_BOX_OVERHEAD } from "../crypto/sealedBox.js";
import {
  CONFIGURATION_PAYLOAD_MAX_BYTES,
  MAX_NESTING,
  nestedDeeperThan,
} from "../model/configurationPayload.js";
import { OperatorInputError } from "./errors.js";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

async function readSecretFile(file: string, flag: string): Promise<Buffer> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new OperatorInputError(`${flag} ${file} is not a file`);
    size = info.size;
  } catch (error) {
    if (error instanceof OperatorInputError) throw error;
    throw new OperatorInputError(`cannot read ${flag} ${file}`, { cause: error });
  }
  if (size > CONFIGURATION_PAYLOAD_MAX_BYTES) {
    throw new OperatorInputError(
      `${flag} ${file} is ${size} bytes; the enclave accepts at most ${CONFIGURATION_PAYLOAD_MAX_BYTES} bytes of configuration`,
    );
  }
  try {
    return await readFile(file);
  } catch (cause) {
    throw new OperatorInputError(`cannot read ${flag} ${file}`, { cause });
  }
}

function parseJson(bytes: Buffer): Json | undefined {
  try {
    return JSON.parse(bytes.toString("utf8")) as Json;
  } catch {
    return undefined;
  }
}

/** --secrets: any JSON document, passed to the app as the file at SECRETS_PATH. */
export async function readSecretsFile(file: string): Promise<Json> {
  const bytes = await readSecretFile(file, "--secrets");
  const value = parseJson(bytes);
  if (value === undefined) throw new OperatorInputError(`--secrets ${file} is not a JSON document`);
  // Inside the payload the secrets sit one level down; the enclave refuses deeper payloads.
  if (nestedDeeperThan(value, MAX_NESTING - 1)) {
    throw new OperatorInputError(
      `--secrets ${file} is nested deeper than the ${MAX_NESTING - 1} levels the enclave accepts`,
    );
  }
  return value;
}

/** --sealed-secrets: the raw sealed box `msehome seal` writes (ephemeral key, then ciphertext and tag). */
export async function readSealedSecretsFile(file: string): Promise<Uint8Array> {
  const bytes = await readSecretFile(file, "--sealed-secrets");
  if (bytes.length <= SEALED_BOX_OVERHEAD) {
    throw new OperatorInputError(
      `--sealed-secrets ${file} is ${bytes.length} bytes, too short for a sealed box (more than ${SEALED_BOX_OVERHEAD}); make it with \`msehome seal\``,
    );
  }
  // A sealed box is random-looking bytes; a readable JSON document means the secrets were never sealed.
  if (parseJson(bytes) !== undefined) {
    throw new OperatorInputError(
      `--sealed-secrets ${file} is plain JSON, not a sealed box; the code provider seals it with \`msehome seal\` (or pass plain secrets with --secrets)`,
    );
  }
  return new Uint8Array(bytes);
}

/** --key: the code key of an encrypted package, 64 hex digits (one line). */
export async function readCodeKeyFile(file: string): Promise<Uint8Array> {
  const text = (await readSecretFile(file, "--key")).toString("utf8").trim();
  if (!/^[0-9a-fA-F]{64}$/.test(text)) {
    throw new OperatorInputError(
      `--key ${file} does not hold a code key (64 hexadecimal digits, as \`msehome package --encrypt\` writes)`,
    );
  }
  return new Uint8Array(Buffer.from(text, "hex"));
}

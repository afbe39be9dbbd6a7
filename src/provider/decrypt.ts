// `msehome decrypt`: turns an app's encrypted result back into plaintext, with an AES-GCM key or a
// Fernet key file. The output file appears only once the input authenticated; otherwise nothing is written.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { aesGcmDecryptFile } from "../crypto/aesGcmFile.js";
import { explainNoSpace, removeStaleTemporaries, writeFileAtomically } from "../crypto/atomicOutput.js";
import { InvalidKeyError } from "../crypto/errors.js";
import { fernetDecrypt, parseFernetKey } from "../crypto/fernet.js";
import { readInputText } from "../model/inputFile.js";

export type DecryptKey = { aesKey: Uint8Array } | { fernetKeyFile: string };

export interface DecryptRequest {
  input: string;
  output: string;
  key: DecryptKey;
}

export interface DecryptResult {
  input: string;
  output: string;
  algorithm: "AES-128-GCM" | "AES-192-GCM" | "AES-256-GCM" | "Fernet";
  /** Plaintext bytes written. */
  bytes: number;
}

/** Fernet tokens are decoded in memory; results that big belong in AES-GCM, which streams. */
const MAX_FERNET_TOKEN_BYTES = 256 * 1024 * 1024;

export async function decrypt(request: DecryptRequest): Promise<DecryptResult> {
  const { input, output, key } = request;
  await checkPaths(input, output);
  // A decryption killed half-way left its temporary beside the output: it goes now.
  await removeStaleTemporaries(path.dirname(path.resolve(output)));
  const notWritten = (cause: unknown) => {
    const full = explainNoSpace(cause, path.dirname(path.resolve(output)), path.basename(output));
    return full !== cause
      ? full
      : new Error(`cannot decrypt ${input} (${output} was not written)`, { cause });
  };

  if ("aesKey" in key) {
    const algorithm = `AES-${key.aesKey.length * 8}-GCM` as DecryptResult["algorithm"];
    try {
      const { bytes } = await aesGcmDecryptFile(key.aesKey, input, output);
      return { input, output, algorithm, bytes };
    } catch (cause) {
      throw notWritten(cause);
    }
  }

  const fernetKey = await readFernetKeyFile(key.fernetKeyFile);
  const { size } = await stat(input);
  if (size > MAX_FERNET_TOKEN_BYTES) {
    throw new Error(
      `${input} is ${size} bytes, more than the ${MAX_FERNET_TOKEN_BYTES}-byte Fernet token limit`,
    );
  }
  try {
    const plaintext = fernetDecrypt(fernetKey, await readFile(input, "latin1"));
    await writeFileAtomically(output, plaintext);
    return { input, output, algorithm: "Fernet", bytes: plaintext.length };
  } catch (cause) {
    throw notWritten(cause);
  }
}

async function readFernetKeyFile(file: string): Promise<string> {
  const text = await readInputText(file, "the key file");
  try {
    parseFernetKey(text);
  } catch (cause) {
    if (cause instanceof InvalidKeyError)
      throw new Error(`the key file ${file} does not hold a Fernet key`, { cause });
    throw cause;
  }
  return text.trim();
}

/** The input must be a readable file, and the output must not be it nor a directory. */
async function checkPaths(input: string, output: string): Promise<void> {
  const source = await stat(input).catch((cause: unknown) => {
    throw new Error(`cannot read ${input}`, { cause });
  });
  if (!source.isFile()) throw new Error(`${input} is not a regular file`);
  const target = await stat(output).catch(() => undefined);
  if (target?.isDirectory()) throw new Error(`the output ${output} is a directory; give a file path`);
  if (
    path.resolve(input) === path.resolve(output) ||
    (target && target.ino === source.ino && target.dev === source.dev)
  ) {
    throw new Error(`the output ${output} is the input file; write the plaintext to another file`);
  }
}

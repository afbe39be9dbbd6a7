// The enclave signer key: RSA-3072 with public exponent 3, as SGX (and gramine-sgx-sign) require.
// It decides MRSIGNER; spawn generates one per app unless the operator brings their own.
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { writeFileAtomically } from "../crypto/atomicOutput.js";
import { OperatorInputError } from "./errors.js";
import { readInputText } from "../model/inputFile.js";

export const SIGNER_KEY_BITS = 3072;
export const SIGNER_KEY_EXPONENT = 3;

/** Why a key cannot sign an enclave, or undefined when it can. */
export function signerKeyProblem(key: KeyObject): string | undefined {
  if (key.asymmetricKeyType !== "rsa")
    return `it is a ${key.asymmetricKeyType ?? "non-asymmetric"} key, not RSA`;
  const details = key.asymmetricKeyDetails ?? {};
  if (details.modulusLength !== SIGNER_KEY_BITS)
    return `its modulus has ${details.modulusLength} bits, not ${SIGNER_KEY_BITS}`;
  if (details.publicExponent !== BigInt(SIGNER_KEY_EXPONENT))
    return `its public exponent is ${details.publicExponent}, not ${SIGNER_KEY_EXPONENT}`;
  return undefined;
}

/** Reads and checks an operator-provided signer key (a PEM private key). */
export async function readSignerKey(file: string): Promise<KeyObject> {
  const text = await readInputText(file, "the signer key");
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch {
    throw new OperatorInputError(
      `the signer key ${file} is not a PEM private key (expected RSA-3072 with e=3)`,
    );
  }
  const problem = signerKeyProblem(key);
  if (problem) throw new OperatorInputError(`the signer key ${file} cannot sign an SGX enclave: ${problem}`);
  return key;
}

/** Generates a fresh signer key and writes it (PKCS#8 PEM, owner-only) to `file`, atomically. */
export async function generateSignerKey(file: string): Promise<KeyObject> {
  const { privateKey } = await promisify(generateKeyPair)("rsa", {
    modulusLength: SIGNER_KEY_BITS,
    publicExponent: SIGNER_KEY_EXPONENT,
  });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  await writeFileAtomically(file, new TextEncoder().encode(pem));
  return privateKey;
}

/** The public half (SPKI PEM) of a signer key file, private or public: what evidence.json carries. */
export async function signerPublicKeyPem(file: string): Promise<string> {
  const text = await readInputText(file, "the enclave signer key");
  return signerPublicKeyOf(text, `the enclave signer key ${file}`);
}

/** The public half (SPKI PEM) of a signer key's PEM, private or public; `what` names it in errors. */
export function signerPublicKeyOf(pem: string, what: string): string {
  try {
    const key = pem.includes("PRIVATE KEY") ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
    return key.export({ type: "spki", format: "pem" }) as string;
  } catch (cause) {
    throw new Error(`${what} is not a PEM key`, { cause });
  }
}

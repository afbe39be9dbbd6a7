// MRSIGNER: SHA-256 of the enclave signer's RSA-3072 modulus in little-endian byte order, as the
// SGX CPU computes it from SIGSTRUCT.
import { createHash, createPublicKey } from "node:crypto";
import { AttestationFormatError } from "./errors.js";

export function mrsignerFromPublicKey(pem: string): string {
  let jwk;
  try {
    jwk = createPublicKey(pem).export({ format: "jwk" });
  } catch (cause) {
    throw new AttestationFormatError("the signer public key is not a PEM public key", { cause });
  }
  if (jwk.kty !== "RSA" || !jwk.n)
    throw new AttestationFormatError("the signer public key is not an RSA key");
  const modulus = Buffer.from(jwk.n, "base64url");
  if (modulus.length !== 384) {
    throw new AttestationFormatError(`the signer key must be RSA-3072, it has ${modulus.length * 8} bits`);
  }
  return createHash("sha256").update(Buffer.from(modulus).reverse()).digest("hex");
}

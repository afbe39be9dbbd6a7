// Fernet tokens as `decrypt --key` reads them, and the key file: strict url-safe base64, version,
// HMAC before anything else, AES-CBC padding. No error message may repeat the key.
import fc from "fast-check";
import { DecryptionError, InvalidKeyError } from "../../src/crypto/errors.js";
import { fernetDecrypt } from "../../src/crypto/fernet.js";
import { mutatedText } from "../mutations.js";
import { defineTarget, PropertyViolation } from "../target.js";

type Input = { key: string; token: string };
const BASE64_TOKENS = ["=", "==", "-", "_", "+", "/", " ", "\n", "gAAAAA", "\u00ff"];

export const fernetTarget = defineTarget<Input>({
  name: "fernet",
  drives: "parseFernetKey, fernetDecrypt (base64, version, HMAC, padding)",
  allowed: [DecryptionError, InvalidKeyError],
  input: (seeds) => {
    const keys = seeds.fernet.map((f) => f.key);
    return fc.oneof(
      {
        weight: 8,
        arbitrary: fc
          .tuple(
            fc.nat(),
            mutatedText(
              seeds.fernet.map((f) => f.token),
              BASE64_TOKENS,
            ),
          )
          .map(([i, token]) => ({ key: keys[i % keys.length]!, token })),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          key: mutatedText(keys, BASE64_TOKENS),
          token: fc.constantFrom(...seeds.fernet.map((f) => f.token)),
        }),
      },
    );
  },
  run({ key, token }) {
    try {
      fernetDecrypt(key, token);
    } catch (error) {
      const trimmed = key.trim();
      if (trimmed.length >= 8 && error instanceof Error && error.message.includes(trimmed)) {
        throw new PropertyViolation("an error message repeats the Fernet key");
      }
      throw error;
    }
  },
  testRuns: 1500,
  show: (input) => JSON.stringify(input),
});

// `msehome decrypt (--aes HEX | --key FILE) --output FILE INPUT`: flags and output; the work is in provider/decrypt.
import { Option, type Command } from "commander";
import { UsageError } from "../errors.js";
import { contextOf, printResult } from "../output.js";

interface DecryptOptions {
  aes?: string;
  key?: string;
  output: string;
}

export function registerDecrypt(program: Command): void {
  program
    .command("decrypt")
    .summary("[provider] decrypt a result with an AES-GCM or Fernet key")
    .description(
      "Decrypt a result an app returned, with an AES-GCM key (--aes) or a Fernet key file (--key). The output file is written only once the whole input authenticated; a wrong key, a truncated or a tampered input writes nothing.",
    )
    .argument("<input>", "the encrypted file")
    .addOption(
      new Option(
        "--aes <hex>",
        "AES-GCM key as 32, 48 or 64 hex digits (AES-128/192/256); the input is 12-byte nonce, ciphertext, 16-byte tag. Note that command-line arguments are visible to other local users.",
      ).conflicts("key"),
    )
    .addOption(
      new Option(
        "--key <file>",
        "file holding a Fernet key (url-safe base64 of 32 bytes, e.g. result_sk); the input is a Fernet token",
      ).conflicts("aes"),
    )
    .requiredOption(
      "--output <file>",
      "where to write the plaintext (mode 0600; an existing file is replaced only on success)",
    )
    .action(async (input: string, options: DecryptOptions, command: Command) => {
      if (options.aes === undefined && options.key === undefined) {
        throw new UsageError("decrypt needs a key: --aes <hex> or --key <file>");
      }
      const { decrypt } = await import("../../provider/decrypt.js");
      let key: { aesKey: Uint8Array } | { fernetKeyFile: string };
      if (options.aes !== undefined) {
        const { parseAesKeyHex } = await import("../../crypto/aesGcm.js");
        try {
          key = { aesKey: parseAesKeyHex(options.aes) };
        } catch (error) {
          throw new UsageError(`--aes: ${(error as Error).message}`);
        }
      } else {
        key = { fernetKeyFile: options.key! };
      }
      const result = await decrypt({ input, output: options.output, key });
      printResult(
        contextOf(command),
        result,
        () => `Decrypted ${result.input} into ${result.output} (${result.bytes} bytes, ${result.algorithm}).`,
      );
    });
}

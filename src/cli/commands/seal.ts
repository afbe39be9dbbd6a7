// `msehome seal --secrets FILE --cert ratls.pem --output DIR`: flags and output; the work is in provider/seal.
import type { Command } from "commander";
import { contextOf, printResult } from "../output.js";

interface SealOptions {
  secrets: string;
  cert: string;
  output: string;
}

export function registerSeal(program: Command): void {
  program
    .command("seal")
    .summary("[provider] seal a secrets file to a verified enclave")
    .description(
      "Seal a secrets file to a verified enclave: encrypts it (libsodium sealed box) to the X25519 key in the quote of the RA-TLS certificate that `verify` wrote, after checking the quote binds that certificate. Writes DIR/<name>.sealed.",
    )
    .requiredOption("--secrets <file>", "the secrets to seal (e.g. secrets.json)")
    .requiredOption(
      "--cert <file>",
      "the enclave's RA-TLS certificate (ratls.pem written by `msehome verify`)",
    )
    .requiredOption("--output <dir>", "where to write <name>.sealed (created if missing)")
    .action(async (options: SealOptions, cmd: Command) => {
      const { seal } = await import("../../provider/seal.js");
      const result = await seal({
        secretsPath: options.secrets,
        certificatePath: options.cert,
        outputDir: options.output,
      });
      printResult(
        contextOf(cmd),
        result,
        () =>
          `Sealed ${result.secrets} into ${result.output} (${result.bytes} bytes) for the enclave key ${result.enclavePublicKey}.`,
      );
    });
}

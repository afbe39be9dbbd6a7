// `msehome evidence NAME --output DIR [--pccs URL]`: flags and output; the work is in operator/evidence.
import type { Command } from "commander";
import { contextOf, printResult } from "../output.js";

interface EvidenceFlags {
  output: string;
  pccs?: string;
  pccsInsecureTls?: boolean;
}

export function registerEvidence(program: Command): void {
  program
    .command("evidence")
    .description(
      "Collect again the evidence of a spawned app (fresh collateral from the PCCS): its RA-TLS certificate, the collateral, the signer public key and the spawn arguments, into DIR/evidence.json and DIR/ratls.pem.",
    )
    .argument("<name>", "the app's name (as given to spawn)")
    .requiredOption(
      "--output <dir>",
      "directory receiving evidence.json and ratls.pem (created when missing)",
    )
    .option(
      "--pccs <url>",
      "the PCCS to fetch the collateral from (default: pccs_url of /etc/sgx_default_qcnl.conf)",
    )
    .option(
      "--pccs-insecure-tls",
      "accept the PCCS's self-signed HTTPS certificate (the code provider still verifies the collateral against Intel's root)",
    )
    .action(async (name: string, flags: EvidenceFlags, command: Command) => {
      const { collectEvidence } = await import("../../operator/evidence.js");
      const result = await collectEvidence({
        name,
        outputDir: flags.output,
        ...(flags.pccs !== undefined ? { pccsUrl: flags.pccs } : {}),
        pccsInsecureTls: flags.pccsInsecureTls === true,
      });
      printResult(contextOf(command), result, () =>
        [
          `Evidence of ${result.name}${result.mode === "simulation" ? " (SIMULATED SGX platform)" : ""}:`,
          `  ${result.files.evidence} (send it to the code provider)`,
          `  ${result.files.certificate}`,
          `Collateral for FMSPC ${result.fmspc} (PCK ${result.pckCa} CA) from ${result.pccs}.`,
        ].join("\n"),
      );
    });
}

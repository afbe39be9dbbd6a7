// `msehome evidence NAME --output DIR [--pccs URL]`: flags and output; the work is in operator/evidence.
import type { Command } from "commander";
import { contextOf, printResult } from "../output.js";
import { addPccsOptions, type PccsFlags, pccsSourceOf } from "./operatorFlags.js";

interface EvidenceFlags extends PccsFlags {
  output: string;
}

export function registerEvidence(program: Command): void {
  const evidence = program
    .command("evidence")
    .summary("[operator] collect an app's evidence again")
    .description(
      "Collect again the evidence of a spawned app (fresh collateral from the PCCS): its RA-TLS certificate, the collateral, the signer public key and the spawn arguments, into DIR/evidence.json and DIR/ratls.pem.",
    )
    .argument("<name>", "the app's name (as given to spawn)")
    .requiredOption(
      "--output <dir>",
      "directory receiving evidence.json and ratls.pem (created when missing)",
    );
  addPccsOptions(evidence).action(async (name: string, flags: EvidenceFlags, command: Command) => {
    const { collectEvidence } = await import("../../operator/evidence.js");
    const result = await collectEvidence({
      name,
      outputDir: flags.output,
      ...pccsSourceOf(flags),
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

// `msehome verify --evidence FILE --output DIR (--mrenclave HEX | --package FILE)`: flags and output;
// the verification is provider/verify.
import { Option, type Command } from "commander";
import { UsageError } from "../errors.js";
import { contextOf, printResult, progress, warn } from "../output.js";
import { createSpinner } from "../spinner.js";
import {
  addVerificationFlags,
  parseMeasurement,
  policyOf,
  type VerificationFlags,
} from "../verificationFlags.js";

interface VerifyOptions extends VerificationFlags {
  evidence: string;
  output: string;
  mrenclave?: string;
  package?: string;
}

export function registerVerify(program: Command): void {
  const command = program
    .command("verify")
    .summary("[provider] verify the operator's evidence (Intel DCAP) and write ratls.pem")
    .description(
      "Verify an enclave from the operator's evidence: the quote with Intel DCAP (PCK chain, CRLs, TCB info, QE identity, TCB status), the expected MRENCLAVE, the MRSIGNER of the evidence's signer key, and the RA-TLS certificate binding. On success writes DIR/ratls.pem; on failure names what failed (the full report with --verbose or --json).",
    )
    .requiredOption(
      "--evidence <file>",
      "evidence.json from `msehome evidence` (or the original msehome's evidence)",
    )
    .requiredOption("--output <dir>", "where to write ratls.pem (created if missing)")
    .addOption(
      new Option("--mrenclave <hex>", "the expected MRENCLAVE, 64 hex digits")
        .argParser(parseMeasurement)
        .conflicts("package"),
    )
    .addOption(
      new Option(
        "--package <file>",
        "recompute the expected MRENCLAVE from your package: its image runs once with msehome-run --dry-run and the evidence's spawn arguments (needs Docker)",
      ).conflicts("mrenclave"),
    );
  addVerificationFlags(command).action(async (options: VerifyOptions, cmd: Command) => {
    if (options.mrenclave === undefined && options.package === undefined) {
      throw new UsageError("verify needs the expected measurement: --mrenclave <hex> or --package <file>");
    }
    const ctx = contextOf(cmd);
    const { verifyEvidence, verificationRejection } = await import("../../provider/verify.js");
    const { renderVerification } = await import("../../provider/verificationReport.js");
    const spinner = createSpinner();
    const result = await verifyEvidence({
      evidencePath: options.evidence,
      outputDir: options.output,
      mrEnclave: options.mrenclave,
      packagePath: options.package,
      at: options.at,
      policy: policyOf(options),
      simulation: options.simulation === true,
      onPhase: (message) => spinner.update(message),
    }).finally(() => spinner.stop());
    if (result.warning) warn(result.warning);
    if (result.accepted || ctx.json || ctx.verbose) {
      printResult(ctx, result, () => renderVerification(result.report, result, ctx.verbose));
    }
    if (!result.accepted) throw verificationRejection(result);
    if (!ctx.json) progress(`Wrote ${result.ratlsCertificate}`);
  });
}

// `msehome verify --evidence FILE --output DIR (--mrenclave HEX | --package FILE)` and
// `msehome verify --url https://HOST:PORT --output DIR (--mrenclave HEX | --evidence FILE --package FILE)`:
// flags and output; the verifications are provider/verify and provider/liveVerification.
import { Option, type Command } from "commander";
import { UsageError } from "../errors.js";
import { contextOf, printResult, progress, warn } from "../output.js";
import { createSpinner, type Spinner } from "../spinner.js";
import { createTransferProgress } from "../transferProgress.js";
import {
  addVerificationFlags,
  parseMeasurement,
  policyOf,
  type VerificationFlags,
} from "../verificationFlags.js";

interface VerifyOptions extends VerificationFlags {
  evidence?: string;
  url?: string;
  output: string;
  mrenclave?: string;
  package?: string;
  pccs?: string;
  pccsInsecureTls?: boolean;
}

/** Which flags go together: what is verified and against what it is compared. */
function checkCombination(options: VerifyOptions): void {
  if (options.url === undefined) {
    if (options.evidence === undefined) {
      throw new UsageError(
        "verify needs --evidence <file> (the operator's evidence) or --url <https://host:port> (a running app)",
      );
    }
    if (options.pccs !== undefined || options.pccsInsecureTls === true) {
      throw new UsageError("--pccs is for --url: evidence carries its own collateral");
    }
    if (options.mrenclave === undefined && options.package === undefined) {
      throw new UsageError("verify needs the expected measurement: --mrenclave <hex> or --package <file>");
    }
    return;
  }
  if (options.package !== undefined && options.evidence === undefined) {
    throw new UsageError(
      "--package with --url needs --evidence: the package is measured under its spawn arguments",
    );
  }
  if (options.mrenclave === undefined && options.package === undefined) {
    throw new UsageError(
      "verify --url needs the expected measurement: --mrenclave <hex>, or --evidence <file> --package <file>",
    );
  }
}

export function registerVerify(program: Command): void {
  const command = program
    .command("verify")
    .summary("[provider] verify an enclave (evidence or running app) with Intel DCAP and write ratls.pem")
    .description(
      "Verify an enclave, from the operator's evidence (--evidence) or live from the running app (--url, with fresh collateral from the PCCS): the quote with Intel DCAP (PCK chain, CRLs, TCB info, QE identity, TCB status), the expected MRENCLAVE, the MRSIGNER of the evidence's signer key, and the RA-TLS certificate binding. On success writes DIR/ratls.pem; on failure names what failed (the full report with --verbose or --json).",
    )
    .addOption(
      new Option(
        "--evidence <file>",
        "evidence.json from `msehome evidence` (or the original msehome's evidence); with --url, the live certificate must be its certificate",
      ),
    )
    .addOption(
      new Option(
        "--url <https://host:port>",
        "verify the app running there: its TLS certificate's quote, with fresh collateral from the PCCS",
      ),
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
    )
    .addOption(
      new Option(
        "--pccs <url>",
        "with --url: the PCCS to fetch the collateral from (default: pccs_url of /etc/sgx_default_qcnl.conf)",
      ),
    )
    .addOption(
      new Option(
        "--pccs-insecure-tls",
        "with --url: accept the PCCS's self-signed HTTPS certificate (the collateral is still verified against Intel's root)",
      ),
    );
  addVerificationFlags(command).action(async (options: VerifyOptions, cmd: Command) => {
    checkCombination(options);
    const ctx = contextOf(cmd);
    const { renderVerification } = await import("../../provider/verificationReport.js");
    const { verificationRejection } = await import("../../provider/verificationResult.js");
    const spinner = createSpinner();
    const result = await (
      options.url !== undefined
        ? verifyRunningApp(options, options.url, spinner)
        : verifyEvidenceFile(options, spinner)
    ).finally(() => spinner.stop());
    if (result.warning) warn(result.warning);
    if (result.accepted || ctx.json || ctx.verbose) {
      printResult(ctx, result, () => renderVerification(result.report, result, ctx.verbose));
    }
    if (!result.accepted) throw verificationRejection(result);
    if (!ctx.json) progress(`Wrote ${result.ratlsCertificate}`);
  });
}

function commonRequest(options: VerifyOptions, spinner: Spinner) {
  const transfer = createTransferProgress(spinner);
  return {
    outputDir: options.output,
    mrEnclave: options.mrenclave,
    packagePath: options.package,
    at: options.at,
    ...policyOf(options),
    simulation: options.simulation === true,
    onPhase: transfer.phase,
    onBytes: transfer.bytes,
  };
}

async function verifyEvidenceFile(options: VerifyOptions, spinner: Spinner) {
  const { verifyEvidence } = await import("../../provider/verify.js");
  return verifyEvidence({ ...commonRequest(options, spinner), evidencePath: options.evidence! });
}

async function verifyRunningApp(options: VerifyOptions, url: string, spinner: Spinner) {
  const { parseAppUrl, verifyLive } = await import("../../provider/liveVerification.js");
  try {
    parseAppUrl(url);
  } catch (error) {
    throw new UsageError(`invalid --url: ${(error as Error).message}`);
  }
  return verifyLive({
    ...commonRequest(options, spinner),
    url,
    evidencePath: options.evidence,
    ...(options.pccs !== undefined ? { pccsUrl: options.pccs } : {}),
    pccsInsecureTls: options.pccsInsecureTls === true,
  });
}

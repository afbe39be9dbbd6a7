// `msehome quote show|verify QUOTE_OR_CERT`: flags and output; the work is in provider/quote.
import { Option, type Command } from "commander";
import { contextOf, printResult, warn } from "../output.js";
import { parsePccsTimeout } from "./operatorFlags.js";
import {
  addVerificationFlags,
  parseMeasurement,
  policyOf,
  type VerificationFlags,
} from "../verificationFlags.js";

interface QuoteVerifyOptions extends VerificationFlags {
  collateral?: string;
  pccs?: string;
  pccsInsecureTls?: boolean;
  pccsTimeout?: number;
  mrenclave?: string;
  mrsigner?: string;
}

export function registerQuote(program: Command): void {
  const quote = program
    .command("quote")
    .summary("inspect or verify an SGX DCAP quote")
    .description("Inspect or verify an SGX DCAP quote, raw or inside an RA-TLS certificate.");

  quote
    .command("show")
    .description(
      "Print every field of a quote: header, report body, QE report, certification data and the PCK certificate's SGX extension.",
    )
    .argument("<quote-or-cert>", "a raw quote file, or an RA-TLS certificate (PEM or DER)")
    .action(async (file: string, _options: unknown, cmd: Command) => {
      const { showQuote } = await import("../../provider/quote.js");
      const shown = await showQuote(file);
      printResult(contextOf(cmd), shown, () => JSON.stringify(shown, null, 2));
    });

  const verify = quote
    .command("verify")
    .summary("verify a quote against collateral from a file or a PCCS")
    .description(
      "Verify a quote with Intel DCAP against collateral from a file (--collateral) or a PCCS (--pccs, default: pccs_url of /etc/sgx_default_qcnl.conf), under the strict policy unless allowed otherwise.",
    )
    .argument("<quote-or-cert>", "a raw quote file, or an RA-TLS certificate (PEM or DER)")
    .addOption(
      new Option(
        "--collateral <file>",
        "collateral JSON: pck_crl_issuer_chain, root_ca_crl, pck_crl, tcb_info_issuer_chain, tcb_info, qe_identity_issuer_chain, qe_identity",
      ).conflicts("pccs"),
    )
    .addOption(
      new Option(
        "--pccs <url>",
        "fetch the collateral from this PCCS (API v4, or v3 when the URL ends in /sgx/certification/v3)",
      ).conflicts("collateral"),
    )
    .addOption(
      new Option(
        "--pccs-insecure-tls",
        "accept the PCCS's self-signed HTTPS certificate (as Intel's QCNL with use_secure_cert=false); the collateral is still verified against Intel's root",
      ),
    )
    .addOption(
      new Option(
        "--pccs-timeout <seconds>",
        "how long one PCCS request may take, connection to last byte (default 10)",
      )
        .argParser(parsePccsTimeout)
        .conflicts("collateral"),
    )
    .addOption(
      new Option("--mrenclave <hex>", "require this MRENCLAVE (64 hex digits)").argParser(parseMeasurement),
    )
    .addOption(
      new Option("--mrsigner <hex>", "require this MRSIGNER (64 hex digits)").argParser(parseMeasurement),
    );
  addVerificationFlags(verify).action(async (file: string, options: QuoteVerifyOptions, cmd: Command) => {
    const ctx = contextOf(cmd);
    const { verifyQuoteFile } = await import("../../provider/quote.js");
    const { verificationRejection } = await import("../../provider/verificationResult.js");
    const { renderVerification } = await import("../../provider/verificationReport.js");
    const result = await verifyQuoteFile({
      file,
      collateralPath: options.collateral,
      pccsUrl: options.pccs,
      pccsInsecureTls: options.pccsInsecureTls === true,
      ...(options.pccsTimeout !== undefined ? { pccsTimeoutMs: Math.round(options.pccsTimeout * 1000) } : {}),
      at: options.at,
      mrEnclave: options.mrenclave,
      mrSigner: options.mrsigner,
      ...policyOf(options),
      simulation: options.simulation === true,
    });
    if (result.warning) warn(result.warning);
    if (result.accepted || ctx.json || ctx.verbose) {
      printResult(ctx, result, () => renderVerification(result.report, result, ctx.verbose));
    }
    if (!result.accepted) throw verificationRejection(result);
  });
}

// Fresh collateral for a quote from a PCCS: --pccs, else the pccs_url of Intel's QCNL
// configuration, as the operator's commands resolve it (model/pccsSource); the PCK CA and FMSPC
// asked for are the quote's PCK certificate's.
import type { Collateral } from "../attestation/collateral.js";
import { collateralRequestForQuote, PccsClient } from "../attestation/pccs.js";
import { NoPccsError, resolvePccs, type PccsSource } from "../model/pccsSource.js";

export interface FetchedCollateral {
  collateral: Collateral;
  /** The PCCS it came from. */
  source: string;
}

/**
 * `missing` words what the command needs when no PCCS is named anywhere (e.g. "quote verify
 * needs collateral: --collateral <file> or --pccs <url>").
 */
export async function fetchQuoteCollateral(
  source: PccsSource,
  quote: Uint8Array,
  missing: string,
): Promise<FetchedCollateral> {
  let endpoint;
  try {
    endpoint = await resolvePccs(source);
  } catch (error) {
    if (!(error instanceof NoPccsError)) throw error;
    throw new Error(`${missing} (${error.configPath} ${error.why})`);
  }
  const client = new PccsClient(endpoint);
  return {
    collateral: await client.fetchCollateral(collateralRequestForQuote(quote)),
    source: client.baseUrl,
  };
}

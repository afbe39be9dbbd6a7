// The PCCS client the operator's collateral comes from (model/pccsSource resolves which PCCS); a
// missing or unusable PCCS is an input mistake of the command.
import { PccsClient } from "../attestation/pccs.js";
import { NoPccsError, resolvePccs, type PccsSource } from "../model/pccsSource.js";
import { OperatorInputError } from "./errors.js";

export type { PccsSource } from "../model/pccsSource.js";

export async function pccsClientFor(source: PccsSource): Promise<PccsClient> {
  let endpoint;
  try {
    endpoint = await resolvePccs(source);
  } catch (error) {
    if (!(error instanceof NoPccsError)) throw error;
    throw new OperatorInputError(
      `no PCCS to fetch the collateral from: give --pccs <url> (${error.configPath} ${error.why})`,
    );
  }
  try {
    return new PccsClient(endpoint);
  } catch (cause) {
    throw new OperatorInputError((cause as Error).message, { cause });
  }
}

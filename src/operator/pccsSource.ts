// Which PCCS the operator's collateral comes from: --pccs, else pccs_url of Intel's QCNL
// configuration (/etc/sgx_default_qcnl.conf), as the platform's own quote library would use.
import { readFile } from "node:fs/promises";
import { PccsClient } from "../attestation/pccs.js";
import { parseQcnlConfig, QCNL_CONFIG_PATH } from "../attestation/qcnl.js";
import { OperatorInputError } from "./errors.js";

export interface PccsSource {
  /** The PCCS URL given on the command line. */
  pccsUrl?: string;
  /** Accept a self-signed PCCS certificate (the collateral stays verified against Intel's root by `verify`). */
  pccsInsecureTls?: boolean;
  /** Where Intel's QCNL configuration is (default /etc/sgx_default_qcnl.conf). */
  qcnlConfigPath?: string;
}

export async function pccsClientFor(source: PccsSource): Promise<PccsClient> {
  let baseUrl = source.pccsUrl;
  let insecureTls = source.pccsInsecureTls === true;
  if (baseUrl === undefined) {
    const configPath = source.qcnlConfigPath ?? QCNL_CONFIG_PATH;
    let text: string | undefined;
    try {
      text = await readFile(configPath, "utf8");
    } catch {
      text = undefined;
    }
    const config = text === undefined ? undefined : parseQcnlConfig(text, configPath);
    if (!config?.pccsUrl) {
      throw new OperatorInputError(
        `no PCCS to fetch the collateral from: give --pccs <url> (${configPath} ${text === undefined ? "does not exist" : "has no pccs_url"})`,
      );
    }
    baseUrl = config.pccsUrl;
    insecureTls ||= !config.useSecureCert;
  }
  try {
    return new PccsClient({ baseUrl, insecureTls });
  } catch (cause) {
    throw new OperatorInputError((cause as Error).message, { cause });
  }
}

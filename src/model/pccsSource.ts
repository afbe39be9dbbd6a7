// Which PCCS collateral comes from, for the operator (spawn, evidence) and `quote verify`: the URL
// given on the command line, else pccs_url of Intel's QCNL configuration (/etc/sgx_default_qcnl.conf)
// as the platform's own quote library would use it, its use_secure_cert included.
import { parseQcnlConfig, QCNL_CONFIG_PATH } from "../attestation/qcnl.js";
import { readInputText } from "./inputFile.js";

export interface PccsSource {
  /** The PCCS URL given on the command line. */
  pccsUrl?: string;
  /** Accept a self-signed PCCS certificate (the collateral stays verified against Intel's root). */
  pccsInsecureTls?: boolean;
  /** Where Intel's QCNL configuration is (default /etc/sgx_default_qcnl.conf). */
  qcnlConfigPath?: string;
  /** How long one PCCS request may take, in ms (default: the client's). */
  pccsTimeoutMs?: number;
}

export interface PccsEndpoint {
  baseUrl: string;
  insecureTls: boolean;
  timeoutMs?: number;
}

/** No PCCS URL was given and the QCNL configuration names none; each command says what to do. */
export class NoPccsError extends Error {
  constructor(
    readonly configPath: string,
    readonly why: "does not exist" | "has no pccs_url",
  ) {
    super(`no PCCS URL was given and ${configPath} ${why}`);
    this.name = "NoPccsError";
  }
}

export async function resolvePccs(source: PccsSource): Promise<PccsEndpoint> {
  const insecureTls = source.pccsInsecureTls === true;
  const timeout = source.pccsTimeoutMs !== undefined ? { timeoutMs: source.pccsTimeoutMs } : {};
  if (source.pccsUrl !== undefined) return { baseUrl: source.pccsUrl, insecureTls, ...timeout };
  const configPath = source.qcnlConfigPath ?? QCNL_CONFIG_PATH;
  let text: string;
  try {
    text = await readInputText(configPath, "the QCNL configuration");
  } catch (error) {
    if ((error as Error).cause && ((error as Error).cause as NodeJS.ErrnoException).code === "ENOENT")
      throw new NoPccsError(configPath, "does not exist");
    throw error;
  }
  const config = parseQcnlConfig(text, configPath);
  if (!config.pccsUrl) throw new NoPccsError(configPath, "has no pccs_url");
  return { baseUrl: config.pccsUrl, insecureTls: insecureTls || !config.useSecureCert, ...timeout };
}

// The simulation attestation provider: quotes from the simulated quoting enclave of the platform
// directory mounted into the container, for MRENCLAVE = msehome's measurement and MRSIGNER =
// SHA-256 of the signer key's modulus, exactly as SGX would report them. Never silent: the
// runtime announces simulation on start, and verify accepts it only with --simulation.
import { createPrivateKey, createPublicKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import { mrsignerFromPublicKey } from "../attestation/mrsigner.js";
import { deriveSealingKey, loadPlatform, type Platform } from "../simulation/platform.js";
import { DEFAULT_ENCLAVE_ATTRIBUTES, generateQuote } from "../simulation/quotingEnclave.js";
import { assertReportData, type AttestationProvider } from "./attestationProvider.js";

/** SGX ATTRIBUTES.FLAGS bit 1: the enclave can be debugged. */
const DEBUG_FLAG = 0x02;

export interface SimulationProviderOptions {
  platformDir: string;
  signerKeyPath: string;
  mrEnclave: Uint8Array;
  debug: boolean;
}

/** MRSIGNER of the RSA-3072 (e=3) signer key found at `signerKeyPath` (private or public PEM). */
export async function signerMeasurement(signerKeyPath: string): Promise<Uint8Array> {
  let pem: string;
  try {
    pem = await readFile(signerKeyPath, "utf8");
  } catch (error) {
    throw new Error(`the enclave signer key is missing at ${signerKeyPath}`, { cause: error });
  }
  let publicPem: string;
  try {
    const key = pem.includes("PRIVATE KEY") ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
    publicPem = key.export({ type: "spki", format: "pem" }) as string;
  } catch (error) {
    throw new Error(`the enclave signer key at ${signerKeyPath} is not a PEM key`, { cause: error });
  }
  return new Uint8Array(Buffer.from(mrsignerFromPublicKey(publicPem), "hex"));
}

export class SimulationProvider implements AttestationProvider {
  readonly mode = "simulation" as const;
  readonly storageEncryptedByPlatform = false;

  private constructor(
    private readonly platform: Platform,
    private readonly mrEnclave: Uint8Array,
    private readonly mrSigner: Uint8Array,
    private readonly attributes: Uint8Array,
  ) {}

  static async open(options: SimulationProviderOptions): Promise<SimulationProvider> {
    const platform = await loadPlatform(options.platformDir);
    const mrSigner = await signerMeasurement(options.signerKeyPath);
    const attributes = Uint8Array.from(DEFAULT_ENCLAVE_ATTRIBUTES);
    if (options.debug) attributes[0] = (attributes[0] as number) | DEBUG_FLAG;
    return new SimulationProvider(platform, Uint8Array.from(options.mrEnclave), mrSigner, attributes);
  }

  async measurement(): Promise<Uint8Array> {
    return Uint8Array.from(this.mrEnclave);
  }

  async sealingKey(): Promise<Uint8Array> {
    return deriveSealingKey(this.platform, this.mrEnclave);
  }

  async quote(reportData: Uint8Array): Promise<Uint8Array> {
    assertReportData(reportData);
    return generateQuote(this.platform, {
      mrEnclave: this.mrEnclave,
      mrSigner: this.mrSigner,
      reportData,
      attributes: this.attributes,
    });
  }
}

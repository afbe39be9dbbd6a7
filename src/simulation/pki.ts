// The published simulation PKI: certificates, keys and issuer chains that stand in for Intel's, in the forms callers need.
import { createHash, createPrivateKey, type KeyObject } from "node:crypto";
import { certificateFields } from "../attestation/certificateFields.js";
import { certificatesFromPem } from "../attestation/pem.js";
import type { TrustOptions } from "../attestation/trust.js";
import {
  SIMULATION_PCK_PLATFORM_CA_KEY_PEM,
  SIMULATION_PCK_PLATFORM_CA_PEM,
  SIMULATION_PCK_PROCESSOR_CA_KEY_PEM,
  SIMULATION_PCK_PROCESSOR_CA_PEM,
  SIMULATION_ROOT_CA_KEY_PEM,
  SIMULATION_ROOT_CA_PEM,
  SIMULATION_TCB_SIGNING_KEY_PEM,
  SIMULATION_TCB_SIGNING_PEM,
} from "./pkiMaterial.js";

export * from "./pkiMaterial.js";

export const SIMULATION_ROOT_CA_DER: Uint8Array = certificatesFromPem(
  SIMULATION_ROOT_CA_PEM,
  "the simulation root CA",
)[0]!;
/** SHA-256 of the root's DER, the way the Intel SGX Root CA is pinned. */
export const SIMULATION_ROOT_CA_SHA256: string = createHash("sha256")
  .update(SIMULATION_ROOT_CA_DER)
  .digest("hex");

/**
 * What a verifier trusts to verify the simulated platform (`--simulation`): the simulation root in
 * place of Intel's, and the simulation TCB Signing certificate's name in place of Intel's.
 */
export const SIMULATION_TRUST: Required<TrustOptions> = {
  trustMode: "simulation",
  trustedRoot: SIMULATION_ROOT_CA_DER,
  tcbSigningName: certificateFields(
    certificatesFromPem(SIMULATION_TCB_SIGNING_PEM, "the simulation TCB signing certificate")[0]!,
  ).subject,
};

export type PckCaKind = "platform" | "processor";

/** Issuer chains as the PCCS headers carry them: the intermediate, then the root. */
export const SIMULATION_ISSUER_CHAINS = {
  pckCrl: {
    platform: SIMULATION_PCK_PLATFORM_CA_PEM + SIMULATION_ROOT_CA_PEM,
    processor: SIMULATION_PCK_PROCESSOR_CA_PEM + SIMULATION_ROOT_CA_PEM,
  },
  tcbInfo: SIMULATION_TCB_SIGNING_PEM + SIMULATION_ROOT_CA_PEM,
  qeIdentity: SIMULATION_TCB_SIGNING_PEM + SIMULATION_ROOT_CA_PEM,
} as const;

export interface SigningAuthority {
  certificatePem: string;
  privateKey: KeyObject;
}

let cache: Record<"root" | "platform" | "processor" | "tcbSigning", SigningAuthority> | undefined;

/** The signing authorities, with their keys parsed once. */
export function simulationAuthorities(): Record<
  "root" | "platform" | "processor" | "tcbSigning",
  SigningAuthority
> {
  cache ??= {
    root: {
      certificatePem: SIMULATION_ROOT_CA_PEM,
      privateKey: createPrivateKey(SIMULATION_ROOT_CA_KEY_PEM),
    },
    platform: {
      certificatePem: SIMULATION_PCK_PLATFORM_CA_PEM,
      privateKey: createPrivateKey(SIMULATION_PCK_PLATFORM_CA_KEY_PEM),
    },
    processor: {
      certificatePem: SIMULATION_PCK_PROCESSOR_CA_PEM,
      privateKey: createPrivateKey(SIMULATION_PCK_PROCESSOR_CA_KEY_PEM),
    },
    tcbSigning: {
      certificatePem: SIMULATION_TCB_SIGNING_PEM,
      privateKey: createPrivateKey(SIMULATION_TCB_SIGNING_KEY_PEM),
    },
  };
  return cache;
}

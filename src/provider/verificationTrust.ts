// What a verification trusts: the Intel SGX Root CA, or — only when the user asks with
// --simulation — the published simulation root, with a warning in every output that rests on it.
import type { TrustMode } from "../attestation/verify.js";
import { SIMULATION_ROOT_CA_DER } from "../simulation/pki.js";

export const SIMULATION_TRUST_WARNING =
  "simulation: trusting the published msehome simulation root CA, whose private key is public; this verification proves no hardware protection";

export interface VerificationTrust {
  trustMode: TrustMode;
  trustedRoot?: Uint8Array;
  /** Said on stderr whenever the verification rests on the simulation root. */
  warning?: string;
}

export function verificationTrust(simulation: boolean): VerificationTrust {
  return simulation
    ? { trustMode: "simulation", trustedRoot: SIMULATION_ROOT_CA_DER, warning: SIMULATION_TRUST_WARNING }
    : { trustMode: "sgx" };
}

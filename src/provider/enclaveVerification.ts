// How the code provider verifies an enclave's quote, for `verify` (evidence) and `quote verify`
// (a quote or certificate): DCAP against what the verification trusts — the Intel SGX Root CA, or,
// only when the user asks with --simulation, the published simulation root, with a warning in
// every output that rests on it — then the enclave's identity against what is expected, and when
// the quote came in an RA-TLS certificate, that the certificate is the one the quote binds and is
// valid; then the acceptance policy.
import type { Collateral } from "../attestation/collateral.js";
import {
  applyPolicy,
  expectedIdentityChecks,
  withChecks,
  type Policy,
  type PolicyVerdict,
} from "../attestation/policy.js";
import { checkCertificateValidity, checkReportDataBinding } from "../attestation/ratls.js";
import type { TrustOptions } from "../attestation/trust.js";
import { verifyQuote, type VerificationCheck, type VerificationReport } from "../attestation/verify.js";
import { SIMULATION_TRUST } from "../simulation/pki.js";

export const SIMULATION_TRUST_WARNING =
  "simulation: trusting the published msehome simulation root CA, whose private key is public; this verification proves no hardware protection";

export interface VerificationTrust {
  options: TrustOptions;
  /** Said on stderr whenever the verification rests on the simulation root. */
  warning?: string;
}

export function verificationTrust(simulation: boolean): VerificationTrust {
  return simulation
    ? { options: SIMULATION_TRUST, warning: SIMULATION_TRUST_WARNING }
    : { options: { trustMode: "sgx" } };
}

export interface EnclaveVerificationRequest {
  quote: Uint8Array;
  collateral: Collateral;
  /** The RA-TLS certificate the quote came in, when it did. */
  certificatePem?: string;
  /** Checks of where that certificate came from, listed first (e.g. that it is the evidence's). */
  certificateChecks?: VerificationCheck[];
  /** MRENCLAVE and MRSIGNER to require (64 hex digits each); an absent one is not checked. */
  expected: { mrEnclave?: string | undefined; mrSigner?: string | undefined };
  /** Further checks of the deployment, after the others. */
  moreChecks?: VerificationCheck[];
  at: Date;
  policy?: Policy | undefined;
  simulation: boolean;
}

export interface EnclaveVerification {
  report: VerificationReport;
  verdict: PolicyVerdict;
  /** Set when the verification rests on the simulation root. */
  warning?: string;
}

export function verifyEnclave(request: EnclaveVerificationRequest): EnclaveVerification {
  const trust = verificationTrust(request.simulation);
  const quoteReport = verifyQuote({
    quote: request.quote,
    collateral: request.collateral,
    at: request.at,
    ...trust.options,
  });
  const checks = [
    ...(request.certificateChecks ?? []),
    ...expectedIdentityChecks(quoteReport, request.expected),
  ];
  if (request.certificatePem !== undefined) {
    checks.push(
      checkReportDataBinding(request.certificatePem, request.quote),
      checkCertificateValidity(request.certificatePem, request.at),
    );
  }
  const report = withChecks(quoteReport, [...checks, ...(request.moreChecks ?? [])]);
  return {
    report,
    verdict: applyPolicy(report, request.policy),
    ...(trust.warning ? { warning: trust.warning } : {}),
  };
}

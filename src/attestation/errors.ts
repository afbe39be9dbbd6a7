// Typed errors of the attestation library: malformed input versus a failed verification check.

/** Bytes or text that do not have the expected structure (quote, certificate, collateral…). */
export class AttestationFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AttestationFormatError";
  }
}

/** A verification or policy check failed; `check` is the failing check's name. */
export class VerificationError extends Error {
  readonly check: string;
  constructor(check: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "VerificationError";
    this.check = check;
  }
}

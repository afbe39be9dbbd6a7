// Verification collateral with the fields of Intel QVL's sgx_ql_qve_collateral_t, each as the PCCS
// serves it: PEM issuer chains, CRLs as PEM or hex of DER, and the TCB info / QE identity bodies
// (`{"tcbInfo":…,"signature":…}`, `{"enclaveIdentity":…,"signature":…}`) kept as text so their
// signatures are checked over the exact bytes. A JSON object of exactly these fields is the
// `--collateral` file format.
import { z } from "zod";
import { AttestationFormatError } from "./errors.js";

export interface Collateral {
  pck_crl_issuer_chain: string;
  root_ca_crl: string;
  pck_crl: string;
  tcb_info_issuer_chain: string;
  tcb_info: string;
  qe_identity_issuer_chain: string;
  qe_identity: string;
}

export const COLLATERAL_FIELDS = [
  "pck_crl_issuer_chain",
  "root_ca_crl",
  "pck_crl",
  "tcb_info_issuer_chain",
  "tcb_info",
  "qe_identity_issuer_chain",
  "qe_identity",
] as const satisfies ReadonlyArray<keyof Collateral>;

const text = z.string().min(1, "must not be empty");

export const collateralSchema = z.strictObject({
  pck_crl_issuer_chain: text,
  root_ca_crl: text,
  pck_crl: text,
  tcb_info_issuer_chain: text,
  tcb_info: text,
  qe_identity_issuer_chain: text,
  qe_identity: text,
});

/** Parses a collateral JSON document (the `--collateral` file's text). */
export function parseCollateralJson(json: string, what = "collateral"): Collateral {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new AttestationFormatError(`${what} is not valid JSON`, { cause });
  }
  return parseCollateral(value, what);
}

export function parseCollateral(value: unknown, what = "collateral"): Collateral {
  const result = collateralSchema.safeParse(value);
  if (!result.success) {
    throw new AttestationFormatError(
      `${what} must be an object of exactly ${COLLATERAL_FIELDS.join(", ")}: ${z.prettifyError(result.error)}`,
    );
  }
  return result.data;
}

export function renderCollateralJson(collateral: Collateral): string {
  const ordered = Object.fromEntries(COLLATERAL_FIELDS.map((f) => [f, collateral[f]]));
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

// For tests and benchmarks: our collateral in @phala/dcap-qvl's shape (signed JSON split from its
// signature, CRLs as DER), to cross-check verdicts with an independent verifier.
import type { Collateral } from "../collateral.js";
import { crlDerFromText } from "../pem.js";
import { parseSignedJson } from "../signedJson.js";

export interface DcapQvlCollateral {
  pck_crl_issuer_chain: string;
  root_ca_crl: Buffer;
  pck_crl: Buffer;
  tcb_info_issuer_chain: string;
  tcb_info: string;
  tcb_info_signature: Buffer;
  qe_identity_issuer_chain: string;
  qe_identity: string;
  qe_identity_signature: Buffer;
}

export function dcapQvlCollateral(collateral: Collateral): DcapQvlCollateral {
  const tcb = parseSignedJson(collateral.tcb_info, "tcbInfo", "TCB info");
  const qe = parseSignedJson(collateral.qe_identity, "enclaveIdentity", "QE identity");
  return {
    pck_crl_issuer_chain: collateral.pck_crl_issuer_chain,
    root_ca_crl: Buffer.from(crlDerFromText(collateral.root_ca_crl, "root CA CRL")),
    pck_crl: Buffer.from(crlDerFromText(collateral.pck_crl, "PCK CRL")),
    tcb_info_issuer_chain: collateral.tcb_info_issuer_chain,
    tcb_info: tcb.signedText,
    tcb_info_signature: Buffer.from(tcb.signature),
    qe_identity_issuer_chain: collateral.qe_identity_issuer_chain,
    qe_identity: qe.signedText,
    qe_identity_signature: Buffer.from(qe.signature),
  };
}

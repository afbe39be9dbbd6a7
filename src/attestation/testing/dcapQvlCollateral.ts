// For tests and benchmarks: our collateral in @phala/dcap-qvl's shape (signed JSON split from its
// signature, CRLs as hex of DER), to cross-check verdicts with an independent verifier.
import type { Collateral as DcapQvlCollateral } from "@phala/dcap-qvl";
import { toHex } from "../bytes.js";
import type { Collateral } from "../collateral.js";
import { crlDerFromText } from "../pem.js";
import { parseSignedJson } from "../signedJson.js";

export function dcapQvlCollateral(collateral: Collateral): DcapQvlCollateral {
  const tcb = parseSignedJson(collateral.tcb_info, "tcbInfo", "TCB info");
  const qe = parseSignedJson(collateral.qe_identity, "enclaveIdentity", "QE identity");
  return {
    pck_crl_issuer_chain: collateral.pck_crl_issuer_chain,
    root_ca_crl: toHex(crlDerFromText(collateral.root_ca_crl, "root CA CRL")),
    pck_crl: toHex(crlDerFromText(collateral.pck_crl, "PCK CRL")),
    tcb_info_issuer_chain: collateral.tcb_info_issuer_chain,
    tcb_info: tcb.signedText,
    tcb_info_signature: toHex(tcb.signature),
    qe_identity_issuer_chain: collateral.qe_identity_issuer_chain,
    qe_identity: qe.signedText,
    qe_identity_signature: toHex(qe.signature),
  };
}

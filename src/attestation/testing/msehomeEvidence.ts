// For tests: the quote and collateral of the original msehome's evidence vector, decoded.
import type { Collateral } from "../collateral.js";
import { certificationChainPems, parseQuote } from "../quote.js";
import { extractQuoteFromCertificate } from "../ratls.js";
import { vectorText } from "./vectors.js";

export interface VectorEvidence {
  certificatePem: string;
  quote: Uint8Array;
  collateral: Collateral;
  signerPublicKeyPem: string;
}

export function vectorEvidence(): VectorEvidence {
  const ev = JSON.parse(vectorText("mse-home-evidence.json")) as Record<string, string>;
  const quote = extractQuoteFromCertificate(ev.ratls_certificate!);
  const [, pckCa, root] = certificationChainPems(parseQuote(quote).signatureData.certificationData);
  return {
    certificatePem: ev.ratls_certificate!,
    quote,
    signerPublicKeyPem: ev.signer_pk!,
    collateral: {
      pck_crl_issuer_chain: pckCa! + root!,
      root_ca_crl: ev.root_ca_crl!,
      pck_crl: ev.pck_platform_crl!,
      tcb_info_issuer_chain: ev.tcb_cert! + root!,
      // Quirk of the original format: base64 of the hex of the body.
      tcb_info: Buffer.from(Buffer.from(ev.tcb_info!, "base64").toString("latin1"), "hex").toString("utf8"),
      qe_identity_issuer_chain: ev.tcb_cert! + root!,
      qe_identity: Buffer.from(ev.qe_identity!, "base64").toString("utf8"),
    },
  };
}

export const VECTOR_AT = new Date("2023-06-21T00:00:00Z");
export const VECTOR_MRENCLAVE = "0e4ec55e690b06a574af59dfd51baa3866ac4c8d37896effc0f1fad17b31cf3b";
export const VECTOR_MRSIGNER = "c1c161d0dd996e8a9847de67ea2c00226761f7715a2c422d3012ac10795a1ef5";
export const VECTOR_ADVISORIES = [
  "INTEL-SA-00586",
  "INTEL-SA-00614",
  "INTEL-SA-00615",
  "INTEL-SA-00657",
  "INTEL-SA-00730",
  "INTEL-SA-00738",
  "INTEL-SA-00767",
];

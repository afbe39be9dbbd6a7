// For tests: a PCCS answering like Intel's with the real collateral of the original msehome's
// evidence vector (issuer chains in URL-encoded headers, the root CA CRL as DER), for FMSPC
// 30606A000000 and the Platform CA.
import type { IncomingMessage, ServerResponse } from "node:http";
import { crlDerFromText } from "../pem.js";
import { vectorEvidence } from "./msehomeEvidence.js";

export type PccsHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Answers the PCCS API `version`, recording each request's URL in `requests`. */
export function recordedPccsHandler(version: 3 | 4, requests: string[] = []): PccsHandler {
  const { collateral } = vectorEvidence();
  const tcbHeader = version === 4 ? "TCB-Info-Issuer-Chain" : "SGX-TCB-Info-Issuer-Chain";
  return (req, res) => {
    requests.push(req.url!);
    const url = new URL(req.url!, "http://pccs");
    const prefix = `/sgx/certification/v${version}/`;
    const endpoint = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : "";
    if (endpoint === "pckcrl" && url.searchParams.get("ca") === "platform") {
      res.setHeader("SGX-PCK-CRL-Issuer-Chain", encodeURIComponent(collateral.pck_crl_issuer_chain));
      res.end(collateral.pck_crl);
    } else if (endpoint === "tcb" && url.searchParams.get("fmspc") === "30606A000000") {
      res.setHeader(tcbHeader, encodeURIComponent(collateral.tcb_info_issuer_chain));
      res.end(collateral.tcb_info);
    } else if (endpoint === "qe/identity") {
      res.setHeader(
        "SGX-Enclave-Identity-Issuer-Chain",
        encodeURIComponent(collateral.qe_identity_issuer_chain),
      );
      res.end(collateral.qe_identity);
    } else if (endpoint === "rootcacrl") {
      res.end(Buffer.from(crlDerFromText(collateral.root_ca_crl, "root CA CRL")));
    } else {
      res.statusCode = 404;
      res.end("no such collateral");
    }
  };
}

// For tests: quotes from real SGX platforms with their Intel-signed collateral, as other DCAP
// verifiers' test suites publish them (test/vectors/hardware, provenance in test/vectors/README.md),
// each turned into our Collateral without changing a signed byte, with the verification time and
// verdict its source asserts.
import type { Collateral } from "../collateral.js";
import { toPem } from "../pem.js";
import { certificationChainPems, parseQuote } from "../quote.js";
import type { TcbStatus } from "../tcbInfo.js";
import { vectorBytes, vectorText } from "./vectors.js";

export interface HardwareVector {
  /** Directory under test/vectors/hardware. */
  source: string;
  quote: Uint8Array;
  collateral: Collateral;
  /** The verification time the source pins. */
  at: Date;
  fmspc: string;
  ca: "platform" | "processor";
  /** What the source's test asserts, in its words. */
  sourceAsserts: string;
  /** The TCB status and advisories of the verdict (asserted by the source, except where it says not). */
  status: TcbStatus;
  advisoryIds: string[];
  /** Collateral the source does not check for expiry and that is stale at `at`, if any. */
  expiredAtSource: string[];
}

const file = (source: string, name: string): Uint8Array => vectorBytes(`hardware/${source}/${name}`);
const text = (source: string, name: string): string => vectorText(`hardware/${source}/${name}`);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const fromHexFile = (source: string, name: string): Uint8Array =>
  new Uint8Array(Buffer.from(text(source, name).trim(), "hex"));
const pem = (der: Uint8Array): string => toPem(der, "CERTIFICATE");

/** The PEM of the PCK CA and of the root the quote carries (sources that omit them use these). */
function quoteCaPems(quote: Uint8Array): { pckCa: string; root: string } {
  const [, pckCa, root] = certificationChainPems(parseQuote(quote).signatureData.certificationData);
  return { pckCa: pckCa!, root: root! };
}

/** Phala-Network/dcap-qvl sample/: the collateral as its QuoteCollateralV3 JSON (bodies and signatures apart). */
function dcapQvl(): HardwareVector {
  const c = JSON.parse(text("dcap-qvl", "sgx_quote_collateral.json")) as Record<string, string>;
  return {
    source: "dcap-qvl",
    quote: file("dcap-qvl", "sgx_quote"),
    collateral: {
      pck_crl_issuer_chain: c.pck_crl_issuer_chain!,
      root_ca_crl: c.root_ca_crl!,
      pck_crl: c.pck_crl!,
      tcb_info_issuer_chain: c.tcb_info_issuer_chain!,
      // The body PCCS served: the signed text as it was, its signature beside it.
      tcb_info: `{"tcbInfo":${c.tcb_info},"signature":"${c.tcb_info_signature}"}`,
      qe_identity_issuer_chain: c.qe_identity_issuer_chain!,
      qe_identity: `{"enclaveIdentity":${c.qe_identity},"signature":"${c.qe_identity_signature}"}`,
    },
    // dcap-qvl's tests verify one second before the earliest nextUpdate (the QE identity's).
    at: new Date("2025-07-19T10:01:17Z"),
    sourceAsserts:
      'status "ConfigurationAndSWHardeningNeeded", advisory_ids ["INTEL-SA-00289", "INTEL-SA-00615"]',
    fmspc: "00a067110000",
    ca: "processor",
    status: "ConfigurationAndSWHardeningNeeded",
    advisoryIds: ["INTEL-SA-00289", "INTEL-SA-00615"],
    expiredAtSource: [],
  };
}

/** datachainlab/zkdcap crates/quote-verifier: test_verify_quote_v3_intel. */
function zkdcap(): HardwareVector {
  const quote = fromHexFile("zkdcap", "quote_v3.hex");
  const { pckCa, root } = quoteCaPems(quote);
  const tcbChain = text("zkdcap", "tcb_signing_cert.pem") + root;
  return {
    source: "zkdcap",
    quote,
    collateral: {
      pck_crl_issuer_chain: pckCa + root,
      root_ca_crl: hex(file("zkdcap", "intel_root_ca_crl.der")),
      pck_crl: hex(file("zkdcap", "pck_processor_crl.der")),
      tcb_info_issuer_chain: tcbChain,
      tcb_info: text("zkdcap", "tcbinfov3_00906ED50000.json"),
      qe_identity_issuer_chain: tcbChain,
      qe_identity: text("zkdcap", "qeidentityv2_sgx.json"),
    },
    at: new Date(1737458686 * 1000),
    sourceAsserts: 'Status::TcbSwHardenningNeeded, advisory_ids ["INTEL-SA-00334", "INTEL-SA-00615"]',
    fmspc: "00906ed50000",
    ca: "processor",
    status: "SWHardeningNeeded",
    advisoryIds: ["INTEL-SA-00334", "INTEL-SA-00615"],
    expiredAtSource: [],
  };
}

/** mobilecoinfoundation/attestation verifier/data/tests: evidence_verifier_succeeds_with_mbedtls_x509_verifier. */
function mobilecoin(): HardwareVector {
  const root = text("mobilecoin", "root_ca.pem");
  const tcbChain = text("mobilecoin", "tcb_signer.pem") + root;
  return {
    source: "mobilecoin",
    quote: file("mobilecoin", "hw_quote.dat"),
    collateral: {
      pck_crl_issuer_chain: text("mobilecoin", "processor_ca.pem") + root,
      root_ca_crl: hex(file("mobilecoin", "root_crl.der")),
      pck_crl: hex(file("mobilecoin", "processor_crl.der")),
      tcb_info_issuer_chain: tcbChain,
      tcb_info: text("mobilecoin", "fmspc_00906ED50000_2023_07_12.json"),
      qe_identity_issuer_chain: tcbChain,
      qe_identity: text("mobilecoin", "qe_identity.json"),
    },
    at: new Date("2023-07-12T20:48:25Z"),
    sourceAsserts:
      'success with allowed advisories {"INTEL-SA-00334", "INTEL-SA-00615"}, status SWHardeningNeeded',
    fmspc: "00906ed50000",
    ca: "processor",
    status: "SWHardeningNeeded",
    advisoryIds: ["INTEL-SA-00334", "INTEL-SA-00615"],
    // The source's verifier does not date CRLs; its PCK CRL is a month stale at its pinned time.
    expiredAtSource: ["PCK CRL (2023-04-21T22:00:36Z .. 2023-05-21T22:00:36Z)"],
  };
}

/** automata-network/automata-dcap-attestation: testQuoteV3OnChainAttestation (collateral of 2025-08). */
function automata(): HardwareVector {
  const quote = fromHexFile("automata", "quotev3.hex");
  const { root } = quoteCaPems(quote);
  const tcbChain = pem(file("automata", "tcb_signing.der")) + root;
  return {
    source: "automata",
    quote,
    collateral: {
      pck_crl_issuer_chain: pem(file("automata", "pck_platform_ca.der")) + root,
      root_ca_crl: hex(file("automata", "root_ca_crl.der")),
      pck_crl: hex(file("automata", "platform_crl.der")),
      tcb_info_issuer_chain: tcbChain,
      tcb_info: text("automata", "sgx_tcbinfov3_00606a000000.json"),
      qe_identity_issuer_chain: tcbChain,
      qe_identity: text("automata", "sgx_qeidentity_v4.json"),
    },
    at: new Date(1755236700 * 1000),
    sourceAsserts:
      "the quote verifies (no status asserted: SWHardeningNeeded is the level its PCK TCB lands on)",
    fmspc: "00606a000000",
    ca: "platform",
    status: "SWHardeningNeeded",
    advisoryIds: ["INTEL-SA-00615"],
    expiredAtSource: [],
  };
}

export function hardwareVectors(): HardwareVector[] {
  return [dcapQvl(), zkdcap(), mobilecoin(), automata()];
}

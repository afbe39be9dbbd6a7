// The PCCS the collateral comes from, checked as spawn and doctor need it: it answers, and the root
// CA CRL it serves is signed by the root the mode trusts (Intel's on hardware, the published
// simulation root in simulation), so a simulated PCCS on an SGX host, or the reverse, is caught
// before anything starts. Doctor also checks what the collateral will look like to the provider.
import { commonName, parseCertificate } from "../attestation/certificate.js";
import { parseCrl, type ParsedCrl } from "../attestation/crl.js";
import { parseEnclaveIdentity } from "../attestation/enclaveIdentity.js";
import { PccsClient, PccsError } from "../attestation/pccs.js";
import { INTEL_SGX_ROOT_CA_DER } from "../attestation/roots.js";
import { parseSignedJson } from "../attestation/signedJson.js";
import { NoPccsError, resolvePccs, type PccsSource } from "../model/pccsSource.js";
import { failed, type HostCheck, passed } from "./hostCheck.js";

/** Which root the PCCS's collateral must chain to, and how to get a PCCS that serves it. */
export interface PccsTrust {
  rootCaDer: Uint8Array;
  rootName: string;
  /** How to start or name the right PCCS. */
  getOne: string;
}

export const INTEL_PCCS_TRUST: PccsTrust = {
  rootCaDer: INTEL_SGX_ROOT_CA_DER,
  rootName: "the Intel SGX Root CA",
  getOne:
    "an SGX host needs a PCCS that caches Intel's collateral (Intel's sgx-dcap-pccs with an Intel PCS API key, or your cloud's); name it in pccs_url of /etc/sgx_default_qcnl.conf or with --pccs",
};

const ID = "pccs";
const TITLE = "PCCS answers";

function transportFix(error: unknown, trust: PccsTrust): string {
  const code = ((error as { cause?: { code?: string } }).cause ?? {}).code;
  if (code === "ECONNREFUSED" || code === "EHOSTUNREACH" || code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return `start the PCCS or correct its URL; ${trust.getOne}`;
  }
  if (
    code === "DEPTH_ZERO_SELF_SIGNED_CERT" ||
    code === "SELF_SIGNED_CERT_IN_CHAIN" ||
    code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE" ||
    code === "ERR_TLS_CERT_ALTNAME_INVALID"
  ) {
    return 'a PCCS with a self-signed certificate needs "use_secure_cert": false in /etc/sgx_default_qcnl.conf, or --pccs-insecure-tls with --pccs';
  }
  if ((error as { cause?: unknown }).cause === undefined) {
    return `the URL must be the PCCS's base (https://host:8081) or end in /sgx/certification/v4; ${trust.getOne}`;
  }
  return `check that the PCCS runs and is reachable from this machine; ${trust.getOne}`;
}

/**
 * The PCCS answers `rootcacrl` with a CRL signed by the trusted root. Returns the CRL when it
 * does, for the checks that look at its dates.
 */
export async function checkPccsRoot(
  client: PccsClient,
  trust: PccsTrust,
): Promise<{ check: HostCheck; crl?: ParsedCrl }> {
  let text: string;
  try {
    text = await client.rootCaCrl();
  } catch (error) {
    const detail =
      error instanceof PccsError ? error.message : `${client.baseUrl}: ${(error as Error).message}`;
    return { check: failed(ID, TITLE, detail, transportFix(error, trust)) };
  }
  const crl = parseCrl(text, "root CA CRL");
  const root = parseCertificate(trust.rootCaDer, trust.rootName);
  if (!crl.isSignedBy(root)) {
    return {
      check: failed(
        ID,
        TITLE,
        `the root CA CRL ${client.baseUrl} serves is not signed by ${trust.rootName} (its issuer is "${commonName(crl.issuer)}")`,
        trust.getOne,
      ),
    };
  }
  return {
    check: passed(ID, TITLE, `${client.baseUrl} serves a root CA CRL signed by ${trust.rootName}`),
    crl,
  };
}

/**
 * The collateral a provider will verify is current: the root CA CRL and the QE identity (a PCCS
 * cut off from Intel's PCS serves them stale, and verify then rejects the evidence).
 */
export async function checkPccsCollateralCurrent(
  client: PccsClient,
  rootCaCrl: ParsedCrl,
  now: Date,
): Promise<HostCheck> {
  const id = "pccs.collateral";
  const title = "PCCS collateral is current";
  const fix =
    "the PCCS's cache is stale: check its connection to Intel's PCS (its API key, proxy) and refresh its cache (its refresh admin API); until then the code provider's verify rejects the collateral as expired";
  const stale: string[] = [];
  if (!rootCaCrl.currentAt(now)) {
    stale.push(`the root CA CRL expired on ${rootCaCrl.nextUpdate?.toISOString() ?? "an unknown date"}`);
  }
  try {
    const { qeIdentity } = await client.qeIdentity();
    const identity = parseEnclaveIdentity(
      parseSignedJson(qeIdentity, "enclaveIdentity", "QE identity").value,
    );
    if (identity.nextUpdate < now) {
      stale.push(`the QE identity expired on ${identity.nextUpdate.toISOString()}`);
    }
  } catch (error) {
    return failed(id, title, `cannot read its QE identity: ${(error as Error).message}`, fix, false);
  }
  return stale.length === 0
    ? passed(id, title, "the root CA CRL and the QE identity it serves are current", false)
    : failed(id, title, stale.join("; "), fix, false);
}

/** A simulated PCCS serves TCB info for the simulated platform's FMSPC (it serves the platforms it was given). */
export async function checkPccsServesPlatform(
  client: PccsClient,
  fmspc: string,
  platformDir: string,
): Promise<HostCheck> {
  const id = "pccs.platform";
  const title = "PCCS serves this platform";
  try {
    await client.tcbInfo(fmspc);
    return passed(id, title, `${client.baseUrl} serves TCB info for the platform's FMSPC ${fmspc}`);
  } catch (error) {
    return failed(
      id,
      title,
      (error as Error).message,
      `serve this platform: msehome sim pccs --dir ${platformDir}`,
    );
  }
}

/** The PCCS spawn would use (--pccs, else the QCNL file's), for doctor: it answers and serves the trusted root's CRL. */
export async function resolvePccsClient(
  source: PccsSource,
  trust: PccsTrust,
): Promise<{ client?: PccsClient; check?: HostCheck }> {
  try {
    const endpoint = await resolvePccs(source);
    return { client: new PccsClient(endpoint) };
  } catch (error) {
    const detail =
      error instanceof NoPccsError
        ? `no PCCS: --pccs was not given and ${error.configPath} ${error.why}`
        : (error as Error).message;
    return { check: failed(ID, TITLE, detail, trust.getOne) };
  }
}

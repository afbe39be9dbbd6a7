// The simulated quoting enclave: turns an enclave report into a DCAP v3 ECDSA-P256 quote, as Intel's QE and PCE would.
import { createHash, sign } from "node:crypto";
import {
  ATTESTATION_KEY_TYPE_ECDSA_P256,
  CERTIFICATION_DATA_PCK_CERT_CHAIN,
  QUOTE_VERSION_3,
  quoteSignedBytes,
  serializeQuote,
  serializeReportBody,
  type EnclaveReportBody,
  type Quote,
} from "../attestation/quote.js";
import type { Platform } from "./platform.js";
import { SIMULATION_PCK_PLATFORM_CA_PEM, SIMULATION_ROOT_CA_PEM } from "./pki.js";
import { SIMULATED_QE } from "./quotingEnclaveIdentity.js";

/** What an enclave hands its quoting enclave: its identity and the 64 bytes it wants bound. */
export interface EnclaveReport {
  mrEnclave: Uint8Array;
  mrSigner: Uint8Array;
  reportData: Uint8Array;
  /** flags ‖ xfrm, 16 bytes; defaults to a production 64-bit enclave (INIT | MODE64BIT, x87 and SSE state). */
  attributes?: Uint8Array;
  isvProdId?: number;
  isvSvn?: number;
  /** Defaults to the platform's CPUSVN, as the CPU would report it. */
  cpuSvn?: Uint8Array;
  miscSelect?: number;
}

export const DEFAULT_ENCLAVE_ATTRIBUTES = Uint8Array.from([
  0x05, 0, 0, 0, 0, 0, 0, 0, 0x03, 0, 0, 0, 0, 0, 0, 0,
]);
/** Intel's QE authenticates 32 bytes of auth data (0, 1, …, 31); so does the simulation. */
const QE_AUTH_DATA = Uint8Array.from({ length: 32 }, (_, i) => i);

function exact(bytes: Uint8Array | undefined, length: number, what: string): Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new RangeError(
      `${what} must be ${length} bytes, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`,
    );
  }
  return bytes;
}

function reportBody(fields: {
  cpuSvn: Uint8Array;
  miscSelect: number;
  attributes: Uint8Array;
  mrEnclave: Uint8Array;
  mrSigner: Uint8Array;
  isvProdId: number;
  isvSvn: number;
  reportData: Uint8Array;
}): EnclaveReportBody {
  return {
    ...fields,
    reserved1: new Uint8Array(12),
    isvExtProdId: new Uint8Array(16),
    reserved2: new Uint8Array(32),
    reserved3: new Uint8Array(32),
    configId: new Uint8Array(64),
    configSvn: 0,
    reserved4: new Uint8Array(42),
    isvFamilyId: new Uint8Array(16),
  };
}

/** ECDSA-P256 over SHA-256, as r ‖ s (the quote's signature encoding). */
function signRaw(data: Uint8Array, key: Platform["pckPrivateKey"]): Uint8Array {
  return new Uint8Array(sign("sha256", data, { key, dsaEncoding: "ieee-p1363" }));
}

/** A v3 quote of the report: QE report signed by the PCK key, quote signed by the attestation key, PEM chain PCK → CA → root. */
export function generateQuote(platform: Platform, report: EnclaveReport): Uint8Array {
  const isvReport = reportBody({
    cpuSvn: exact(report.cpuSvn ?? platform.tcb.cpuSvn, 16, "CPUSVN"),
    miscSelect: report.miscSelect ?? 0,
    attributes: exact(report.attributes ?? DEFAULT_ENCLAVE_ATTRIBUTES, 16, "attributes"),
    mrEnclave: exact(report.mrEnclave, 32, "MRENCLAVE"),
    mrSigner: exact(report.mrSigner, 32, "MRSIGNER"),
    isvProdId: report.isvProdId ?? 0,
    isvSvn: report.isvSvn ?? 0,
    reportData: exact(report.reportData, 64, "report data"),
  });

  // The QE binds its attestation key to the platform: report_data = SHA-256(attestation key ‖ QE auth data) ‖ zeros.
  const qeReportData = new Uint8Array(64);
  qeReportData.set(createHash("sha256").update(platform.attestationPublicKey).update(QE_AUTH_DATA).digest());
  const qeReport = reportBody({
    cpuSvn: platform.tcb.cpuSvn,
    miscSelect: SIMULATED_QE.miscSelect,
    attributes: SIMULATED_QE.attributes,
    mrEnclave: SIMULATED_QE.mrEnclave,
    mrSigner: SIMULATED_QE.mrSigner,
    isvProdId: SIMULATED_QE.isvProdId,
    isvSvn: SIMULATED_QE.isvSvn,
    reportData: qeReportData,
  });

  const userData = new Uint8Array(20);
  userData.set(platform.qeId);
  // Type 5 certification data is the PEM chain, NUL-terminated as Intel's QE writes it.
  const chain =
    platform.pckCertificatePem.trim() + "\n" + SIMULATION_PCK_PLATFORM_CA_PEM + SIMULATION_ROOT_CA_PEM;
  const quote: Quote = {
    header: {
      version: QUOTE_VERSION_3,
      attestationKeyType: ATTESTATION_KEY_TYPE_ECDSA_P256,
      teeType: 0,
      qeSvn: SIMULATED_QE.isvSvn,
      pceSvn: platform.tcb.pceSvn,
      qeVendorId: SIMULATED_QE.vendorId,
      userData,
    },
    reportBody: isvReport,
    signatureData: {
      isvEnclaveReportSignature: new Uint8Array(64),
      attestationKey: platform.attestationPublicKey,
      qeReport,
      qeReportSignature: signRaw(serializeReportBody(qeReport), platform.pckPrivateKey),
      qeAuthData: QE_AUTH_DATA,
      certificationData: {
        type: CERTIFICATION_DATA_PCK_CERT_CHAIN,
        data: new Uint8Array(Buffer.from(chain + "\0", "latin1")),
      },
    },
  };
  quote.signatureData.isvEnclaveReportSignature = signRaw(
    quoteSignedBytes(quote),
    platform.attestationPrivateKey,
  );
  return serializeQuote(quote);
}

// Intel SGX DCAP quote v3 (ECDSA-P256): typed values from bytes and the same bytes back.
//
// Layout (Intel SGX ECDSA Quote Library API, "Quote Format"), all integers little-endian:
//   header (48) ‖ ISV enclave report body (384) ‖ signature data length (4) ‖ signature data
// Signature data (ECDSA-256-with-P-256 attestation key):
//   ISV report signature r‖s (64) ‖ attestation public key x‖y (64) ‖ QE report body (384)
//   ‖ QE report signature r‖s (64) ‖ QE auth data size (2) ‖ QE auth data
//   ‖ certification data type (2) ‖ certification data size (4) ‖ certification data
import { AttestationFormatError } from "./errors.js";
import { ByteReader, ByteWriter } from "./bytes.js";
import { pemBlocks } from "./pem.js";

export const QUOTE_HEADER_SIZE = 48;
export const REPORT_BODY_SIZE = 384;
/** Version 3: SGX ECDSA quotes as produced by Intel's DCAP quoting enclave. */
export const QUOTE_VERSION_3 = 3;
/** Attestation key type 2: ECDSA-256-with-P-256. */
export const ATTESTATION_KEY_TYPE_ECDSA_P256 = 2;
/** Certification data type 5: the concatenated PEM PCK certificate chain (leaf, CA, root). */
export const CERTIFICATION_DATA_PCK_CERT_CHAIN = 5;
/** Intel's QE vendor ID 939A7233-F79C-4CA9-940A-0DB3957F0607. */
export const INTEL_QE_VENDOR_ID = "939a7233f79c4ca9940a0db3957f0607";

export interface QuoteHeader {
  version: number;
  attestationKeyType: number;
  /** TEE type in later versions (0 = SGX); reserved and zero in SGX v3 quotes. */
  teeType: number;
  qeSvn: number;
  pceSvn: number;
  qeVendorId: Uint8Array; // 16
  userData: Uint8Array; // 20
}

/** sgx_report_body_t: the enclave's identity, as the CPU reports it. */
export interface EnclaveReportBody {
  cpuSvn: Uint8Array; // 16
  miscSelect: number;
  reserved1: Uint8Array; // 12
  isvExtProdId: Uint8Array; // 16
  /** flags (u64 LE) ‖ xfrm (u64 LE). */
  attributes: Uint8Array; // 16
  mrEnclave: Uint8Array; // 32
  reserved2: Uint8Array; // 32
  mrSigner: Uint8Array; // 32
  reserved3: Uint8Array; // 32
  configId: Uint8Array; // 64
  isvProdId: number;
  isvSvn: number;
  configSvn: number;
  reserved4: Uint8Array; // 42
  isvFamilyId: Uint8Array; // 16
  reportData: Uint8Array; // 64
}

export interface QeCertificationData {
  type: number;
  /** For type 5, PEM text of leaf, intermediate CA and root (may end with a NUL byte). */
  data: Uint8Array;
}

export interface QuoteSignatureData {
  isvEnclaveReportSignature: Uint8Array; // 64, r‖s
  attestationKey: Uint8Array; // 64, x‖y of the P-256 point
  qeReport: EnclaveReportBody;
  qeReportSignature: Uint8Array; // 64, r‖s
  qeAuthData: Uint8Array;
  certificationData: QeCertificationData;
}

export interface Quote {
  header: QuoteHeader;
  reportBody: EnclaveReportBody;
  signatureData: QuoteSignatureData;
}

// Field table of the report body: one source of truth for both directions.
type ReportField =
  | { name: keyof EnclaveReportBody; kind: "bytes"; size: number }
  | { name: keyof EnclaveReportBody; kind: "u16" | "u32" };

const REPORT_FIELDS: readonly ReportField[] = [
  { name: "cpuSvn", kind: "bytes", size: 16 },
  { name: "miscSelect", kind: "u32" },
  { name: "reserved1", kind: "bytes", size: 12 },
  { name: "isvExtProdId", kind: "bytes", size: 16 },
  { name: "attributes", kind: "bytes", size: 16 },
  { name: "mrEnclave", kind: "bytes", size: 32 },
  { name: "reserved2", kind: "bytes", size: 32 },
  { name: "mrSigner", kind: "bytes", size: 32 },
  { name: "reserved3", kind: "bytes", size: 32 },
  { name: "configId", kind: "bytes", size: 64 },
  { name: "isvProdId", kind: "u16" },
  { name: "isvSvn", kind: "u16" },
  { name: "configSvn", kind: "u16" },
  { name: "reserved4", kind: "bytes", size: 42 },
  { name: "isvFamilyId", kind: "bytes", size: 16 },
  { name: "reportData", kind: "bytes", size: 64 },
];

function readReportBody(reader: ByteReader, what: string): EnclaveReportBody {
  const body: Record<string, number | Uint8Array> = {};
  for (const field of REPORT_FIELDS) {
    const label = `${what} ${field.name}`;
    if (field.kind === "bytes") body[field.name] = reader.take(field.size, label);
    else body[field.name] = field.kind === "u16" ? reader.u16(label) : reader.u32(label);
  }
  return body as unknown as EnclaveReportBody;
}

function writeReportBody(writer: ByteWriter, body: EnclaveReportBody, what: string): void {
  for (const field of REPORT_FIELDS) {
    const value = body[field.name];
    const label = `${what} ${field.name}`;
    if (field.kind === "bytes") {
      if (!(value instanceof Uint8Array)) {
        throw new AttestationFormatError(`${label} must be bytes`);
      }
      writer.fixed(value, field.size, label);
    } else if (typeof value !== "number") {
      throw new AttestationFormatError(`${label} must be a number`);
    } else if (field.kind === "u16") {
      writer.u16(value, label);
    } else {
      writer.u32(value, label);
    }
  }
}

function readHeader(reader: ByteReader): QuoteHeader {
  return {
    version: reader.u16("header version"),
    attestationKeyType: reader.u16("header attestation key type"),
    teeType: reader.u32("header TEE type"),
    qeSvn: reader.u16("header QE SVN"),
    pceSvn: reader.u16("header PCE SVN"),
    qeVendorId: reader.take(16, "header QE vendor ID"),
    userData: reader.take(20, "header user data"),
  };
}

/** Parses a 384-byte SGX report body (the ISV enclave's or the QE's). */
export function parseReportBody(bytes: Uint8Array, what = "report body"): EnclaveReportBody {
  if (bytes.length !== REPORT_BODY_SIZE) {
    throw new AttestationFormatError(`${what} must be ${REPORT_BODY_SIZE} bytes, got ${bytes.length}`);
  }
  return readReportBody(new ByteReader(bytes, what), what);
}

/** Parses a quote v3 with an ECDSA-P256 attestation key; every length must be consistent. */
export function parseQuote(bytes: Uint8Array): Quote {
  if (!(bytes instanceof Uint8Array)) throw new AttestationFormatError("quote must be bytes");
  const reader = new ByteReader(bytes, "quote");
  const header = readHeader(reader);
  if (header.version !== QUOTE_VERSION_3) {
    throw new AttestationFormatError(
      `quote version ${header.version} is not supported (only version ${QUOTE_VERSION_3})`,
    );
  }
  if (header.attestationKeyType !== ATTESTATION_KEY_TYPE_ECDSA_P256) {
    throw new AttestationFormatError(
      `quote attestation key type ${header.attestationKeyType} is not supported (only 2, ECDSA-256-with-P-256)`,
    );
  }
  const reportBody = readReportBody(reader, "ISV report body");
  const signatureLength = reader.u32("signature data length");
  if (signatureLength !== reader.remaining) {
    throw new AttestationFormatError(
      signatureLength > reader.remaining
        ? `quote is truncated: signature data length says ${signatureLength} bytes, only ${reader.remaining} follow`
        : `quote has ${reader.remaining - signatureLength} unexpected bytes after its ${signatureLength}-byte signature data`,
    );
  }
  const sig = new ByteReader(bytes.subarray(reader.position), "quote signature data");
  const isvEnclaveReportSignature = sig.take(64, "ISV report signature");
  const attestationKey = sig.take(64, "attestation key");
  const qeReport = readReportBody(sig, "QE report body");
  const qeReportSignature = sig.take(64, "QE report signature");
  const qeAuthData = sig.take(sig.u16("QE auth data size"), "QE auth data");
  const certType = sig.u16("certification data type");
  const certData = sig.take(sig.u32("certification data size"), "certification data");
  if (sig.remaining !== 0) {
    throw new AttestationFormatError(
      `quote signature data has ${sig.remaining} unexpected bytes after its certification data`,
    );
  }
  return {
    header,
    reportBody,
    signatureData: {
      isvEnclaveReportSignature,
      attestationKey,
      qeReport,
      qeReportSignature,
      qeAuthData,
      certificationData: { type: certType, data: certData },
    },
  };
}

export function serializeQuoteHeader(header: QuoteHeader): Uint8Array {
  return new ByteWriter("quote header")
    .u16(header.version, "version")
    .u16(header.attestationKeyType, "attestation key type")
    .u32(header.teeType, "TEE type")
    .u16(header.qeSvn, "QE SVN")
    .u16(header.pceSvn, "PCE SVN")
    .fixed(header.qeVendorId, 16, "QE vendor ID")
    .fixed(header.userData, 20, "user data")
    .finish();
}

/** The 384 bytes of an SGX report body (what the QE signs for a QE report). */
export function serializeReportBody(body: EnclaveReportBody): Uint8Array {
  const writer = new ByteWriter("report body");
  writeReportBody(writer, body, "report body");
  return writer.finish();
}

export function serializeSignatureData(data: QuoteSignatureData): Uint8Array {
  const writer = new ByteWriter("quote signature data")
    .fixed(data.isvEnclaveReportSignature, 64, "ISV report signature")
    .fixed(data.attestationKey, 64, "attestation key")
    .raw(serializeReportBody(data.qeReport))
    .fixed(data.qeReportSignature, 64, "QE report signature")
    .u16(data.qeAuthData.length, "QE auth data size")
    .raw(data.qeAuthData)
    .u16(data.certificationData.type, "certification data type")
    .u32(data.certificationData.data.length, "certification data size")
    .raw(data.certificationData.data);
  return writer.finish();
}

export function serializeQuote(quote: Quote): Uint8Array {
  const signature = serializeSignatureData(quote.signatureData);
  return new ByteWriter("quote")
    .raw(quoteSignedBytes(quote))
    .u32(signature.length, "signature data length")
    .raw(signature)
    .finish();
}

/** header ‖ ISV report body: the 432 bytes the attestation key signs. */
export function quoteSignedBytes(quote: Quote): Uint8Array {
  return new ByteWriter("quote")
    .raw(serializeQuoteHeader(quote.header))
    .raw(serializeReportBody(quote.reportBody))
    .finish();
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The PEM certificates of type-5 certification data, in quote order (leaf first). */
export function certificationChainPems(data: QeCertificationData): string[] {
  if (data.type !== CERTIFICATION_DATA_PCK_CERT_CHAIN) {
    throw new AttestationFormatError(
      `certification data type ${data.type} is not supported (only 5, the PCK certificate chain)`,
    );
  }
  const text = Buffer.from(data.data).toString("latin1");
  return [...text.matchAll(PEM_CERTIFICATE)].map((m) => `${m[0]}\n`);
}

/** The DER certificates of type-5 certification data, in quote order (leaf first), decoded in one pass. */
export function certificationChainDers(data: QeCertificationData): Uint8Array[] {
  if (data.type !== CERTIFICATION_DATA_PCK_CERT_CHAIN) {
    throw new AttestationFormatError(
      `certification data type ${data.type} is not supported (only 5, the PCK certificate chain)`,
    );
  }
  const text = Buffer.from(data.data.buffer, data.data.byteOffset, data.data.byteLength).toString("latin1");
  return pemBlocks(text, "quote certification data")
    .filter((b) => b.label === "CERTIFICATE")
    .map((b) => b.der);
}

/** Decoded ATTRIBUTES: flags and XFRM, with the bits a verifier cares about. */
export interface ReportAttributes {
  flags: bigint;
  xfrm: bigint;
  initted: boolean;
  debug: boolean;
  mode64Bit: boolean;
  provisionKey: boolean;
  einitTokenKey: boolean;
  kss: boolean;
}

export function reportAttributes(attributes: Uint8Array): ReportAttributes {
  if (attributes.length !== 16) {
    throw new AttestationFormatError(`attributes must be 16 bytes, got ${attributes.length}`);
  }
  const view = new DataView(attributes.buffer, attributes.byteOffset, 16);
  const flags = view.getBigUint64(0, true);
  const bit = (n: number): boolean => (flags & (1n << BigInt(n))) !== 0n;
  return {
    flags,
    xfrm: view.getBigUint64(8, true),
    initted: bit(0),
    debug: bit(1),
    mode64Bit: bit(2),
    provisionKey: bit(4),
    einitTokenKey: bit(5),
    kss: bit(7),
  };
}

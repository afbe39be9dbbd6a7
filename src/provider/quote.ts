// `msehome quote show` and `msehome quote verify`: a quote (raw bytes) or an RA-TLS certificate
// (PEM or DER) carrying one — every parsed field, or a full verification against collateral from
// a file or a PCCS.
import { toHex } from "../attestation/bytes.js";
import { parseCertificate } from "../attestation/certificate.js";
import { parseCollateralJson, type Collateral } from "../attestation/collateral.js";
import type { PolicyReason } from "../attestation/policy.js";
import { certificatesFromPem, toPem } from "../attestation/pem.js";
import {
  certificationChainPems,
  parseQuote,
  reportAttributes,
  type EnclaveReportBody,
  type Quote,
} from "../attestation/quote.js";
import { extractQuoteFromCertificate } from "../attestation/ratls.js";
import type { VerificationReport } from "../attestation/verify.js";
import { readInputFile, readInputText } from "../model/inputFile.js";
import type { PccsSource } from "../model/pccsSource.js";
import { verifyEnclave } from "./enclaveVerification.js";
import { fetchQuoteCollateral } from "./quoteCollateral.js";
import { resolvePolicy, type PolicyRequest } from "./verificationPolicy.js";

export interface QuoteInput {
  file: string;
  source: "quote" | "certificate";
  quote: Uint8Array;
  /** PEM of the RA-TLS certificate when the input was one. */
  certificatePem?: string;
}

/** Reads a raw quote, or an RA-TLS certificate (PEM or DER) and the quote inside it. */
export async function readQuoteInput(file: string): Promise<QuoteInput> {
  const bytes = await readInputFile(file, "the quote or certificate");
  const text = bytes.subarray(0, 64).toString("latin1");
  try {
    if (text.includes("-----BEGIN CERTIFICATE-----")) {
      const pem = bytes.toString("utf8");
      return { file, source: "certificate", quote: extractQuoteFromCertificate(pem), certificatePem: pem };
    }
    if (bytes[0] === 0x30) {
      const der = new Uint8Array(bytes);
      return {
        file,
        source: "certificate",
        quote: extractQuoteFromCertificate(der),
        certificatePem: toPem(der, "CERTIFICATE"),
      };
    }
    const quote = new Uint8Array(bytes);
    parseQuote(quote); // so that a damaged file is named here, with what is wrong in it
    return { file, source: "quote", quote };
  } catch (cause) {
    throw new Error(`${file} is neither a quote nor an RA-TLS certificate`, { cause });
  }
}

function reportFields(body: EnclaveReportBody) {
  const attributes = reportAttributes(body.attributes);
  return {
    cpuSvn: toHex(body.cpuSvn),
    miscSelect: body.miscSelect,
    isvExtProdId: toHex(body.isvExtProdId),
    attributes: {
      hex: toHex(body.attributes),
      flags: `0x${attributes.flags.toString(16)}`,
      xfrm: `0x${attributes.xfrm.toString(16)}`,
      debug: attributes.debug,
      mode64Bit: attributes.mode64Bit,
      provisionKey: attributes.provisionKey,
      kss: attributes.kss,
    },
    mrEnclave: toHex(body.mrEnclave),
    mrSigner: toHex(body.mrSigner),
    configId: toHex(body.configId),
    isvProdId: body.isvProdId,
    isvSvn: body.isvSvn,
    configSvn: body.configSvn,
    isvFamilyId: toHex(body.isvFamilyId),
    reportData: toHex(body.reportData),
  };
}

function certificateSummary(pem: string) {
  const cert = parseCertificate(certificatesFromPem(pem, "certificate")[0]!);
  return {
    subject: cert.subjectCommonName,
    issuer: cert.issuerCommonName,
    serial: cert.fields.serialHex,
    notBefore: cert.fields.notBefore.toISOString(),
    notAfter: cert.fields.notAfter.toISOString(),
    sha256: cert.fingerprint,
  };
}

/** Every parsed field of the quote, the PCK certificate's SGX extension included. */
export function describeQuote(input: QuoteInput) {
  const quote: Quote = parseQuote(input.quote);
  const sig = quote.signatureData;
  const chain = sig.certificationData.type === 5 ? certificationChainPems(sig.certificationData) : [];
  let pckExtension: Record<string, unknown> | null = null;
  if (chain[0]) {
    const leaf = parseCertificate(certificatesFromPem(chain[0], "PCK certificate")[0]!);
    const ext = leaf.pckExtension;
    pckExtension = {
      ppid: toHex(ext.ppid),
      tcb: { componentSvns: ext.tcb.componentSvns, pceSvn: ext.tcb.pceSvn, cpuSvn: toHex(ext.tcb.cpuSvn) },
      pceId: toHex(ext.pceId),
      fmspc: toHex(ext.fmspc),
      sgxType: ext.sgxType,
      ...(ext.platformInstanceId ? { platformInstanceId: toHex(ext.platformInstanceId) } : {}),
      ...(ext.configuration ? { configuration: ext.configuration } : {}),
    };
  }
  return {
    file: input.file,
    source: input.source,
    size: input.quote.length,
    header: {
      version: quote.header.version,
      attestationKeyType: quote.header.attestationKeyType,
      teeType: quote.header.teeType,
      qeSvn: quote.header.qeSvn,
      pceSvn: quote.header.pceSvn,
      qeVendorId: toHex(quote.header.qeVendorId),
      userData: toHex(quote.header.userData),
    },
    reportBody: reportFields(quote.reportBody),
    signature: {
      isvEnclaveReportSignature: toHex(sig.isvEnclaveReportSignature),
      attestationKey: toHex(sig.attestationKey),
      qeReport: reportFields(sig.qeReport),
      qeReportSignature: toHex(sig.qeReportSignature),
      qeAuthData: toHex(sig.qeAuthData),
      certificationDataType: sig.certificationData.type,
      certificationDataSize: sig.certificationData.data.length,
      certificates: chain.map(certificateSummary),
    },
    pckExtension,
  };
}

export async function showQuote(file: string) {
  return describeQuote(await readQuoteInput(file));
}

export interface QuoteVerifyRequest extends PccsSource, PolicyRequest {
  file: string;
  /** Collateral from this file instead of a PCCS. */
  collateralPath?: string;
  at?: Date;
  mrEnclave?: string;
  mrSigner?: string;
  simulation?: boolean;
}

export interface QuoteVerifyResult {
  accepted: boolean;
  file: string;
  source: QuoteInput["source"];
  collateralSource: string;
  reasons: PolicyReason[];
  report: VerificationReport;
  warning?: string;
}

async function loadCollateral(
  request: QuoteVerifyRequest,
  quote: Uint8Array,
): Promise<{ collateral: Collateral; source: string }> {
  if (request.collateralPath === undefined) {
    return fetchQuoteCollateral(
      request,
      quote,
      "quote verify needs collateral: --collateral <file> or --pccs <url>",
    );
  }
  const text = await readInputText(request.collateralPath, "the collateral file");
  return { collateral: parseCollateralJson(text, request.collateralPath), source: request.collateralPath };
}

export async function verifyQuoteFile(request: QuoteVerifyRequest): Promise<QuoteVerifyResult> {
  const policy = await resolvePolicy(request);
  const input = await readQuoteInput(request.file);
  const { collateral, source } = await loadCollateral(request, input.quote);
  const { report, verdict, warning } = verifyEnclave({
    quote: input.quote,
    collateral,
    ...(input.certificatePem ? { certificatePem: input.certificatePem } : {}),
    expected: { mrEnclave: request.mrEnclave, mrSigner: request.mrSigner },
    at: request.at ?? new Date(),
    policy,
    simulation: request.simulation === true,
  });
  return {
    accepted: verdict.accepted,
    file: request.file,
    source: input.source,
    collateralSource: source,
    reasons: verdict.reasons,
    report,
    ...(warning ? { warning } : {}),
  };
}

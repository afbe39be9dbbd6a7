// evidence.json: what the operator hands the code provider to verify an enclave — the
// spawn arguments, the RA-TLS certificate (with the quote), the PCCS collateral exactly as served,
// the signer public key and the mode. Ours is versioned; the original Python msehome's format is
// read too. Both become one typed Evidence.
import { z } from "zod";
import type { Collateral } from "../attestation/collateral.js";
import { collateralSchema } from "../attestation/collateral.js";
import { certificationChainPems, parseQuote } from "../attestation/quote.js";
import { extractQuoteFromCertificate } from "../attestation/ratls.js";
import { INTEL_SGX_ROOT_CA_PEM } from "../attestation/roots.js";

export const EVIDENCE_FORMAT = "msehome-evidence";
export const EVIDENCE_VERSION = 1;

export type EvidenceMode = "sgx" | "simulation";
export type PckCa = "platform" | "processor";

/** The arguments the enclave was spawned with; they enter its measurement. */
export interface SpawnArgs {
  /** The certificate's name (its subject CN and first SAN). */
  host: string;
  /** Its further SANs (spawn's --san); empty for evidence that has none. */
  sans: string[];
  /** Expiration of the RA-TLS certificate, Unix seconds. */
  expirationDate: number;
  /** Enclave size in MB. */
  size: number;
  appId: string;
  application: string;
}

export interface Evidence {
  mode: EvidenceMode;
  spawnArgs: SpawnArgs;
  certificatePem: string;
  signerPublicKeyPem: string;
  /** Which PCK CA issued the platform's PCK certificate (the PCK CRL is that CA's). */
  pckCa: PckCa;
  collateral: Collateral;
  /** The file format it was read from. */
  source: "msehome" | "mse-home-python";
}

const pem = (label: string) =>
  z
    .string()
    .regex(
      new RegExp(`-----BEGIN ${label}-----[\\s\\S]+-----END ${label}-----`),
      `a PEM ${label.toLowerCase()}`,
    );

const spawnArgsSchema = z.strictObject({
  host: z.string().min(1),
  // Written only when spawn was given --san, so evidence of apps without one reads as before.
  san: z.array(z.string().min(1)).optional(),
  expiration_date: z.number().int().positive(),
  size: z.number().int().positive(),
  app_id: z.string().min(1),
  application: z.string().min(1),
});

const oursSchema = z.strictObject({
  format: z.literal(EVIDENCE_FORMAT),
  version: z.number().int(),
  mode: z.enum(["sgx", "simulation"]),
  spawn_args: spawnArgsSchema,
  ratls_certificate: pem("CERTIFICATE"),
  signer_public_key: pem("PUBLIC KEY"),
  pck_ca: z.enum(["platform", "processor"]),
  collateral: collateralSchema,
});

// The original's evidence: `tcb_info` is base64 of the hex of the PCCS body, `qe_identity` base64
// of the body; only the TCB signing certificate is kept of the issuer chains.
const pythonSchema = z.object({
  input_args: z.object({
    host: z.string().min(1),
    expiration_date: z.number().int().positive(),
    size: z.number().int().positive(),
    app_id: z.string().min(1),
    application: z.string().min(1),
  }),
  ratls_certificate: pem("CERTIFICATE"),
  root_ca_crl: z.string().min(1),
  pck_platform_crl: z.string().min(1).optional(),
  pck_processor_crl: z.string().min(1).optional(),
  tcb_info: z.string().min(1),
  qe_identity: z.string().min(1),
  tcb_cert: pem("CERTIFICATE"),
  signer_pk: pem("PUBLIC KEY"),
});

/** A file that is not evidence msehome can read, with the reason. */
export class EvidenceFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EvidenceFormatError";
  }
}

function fail(fileName: string, why: string, cause?: unknown): never {
  throw new EvidenceFormatError(
    `${fileName} is not valid evidence: ${why}`,
    cause === undefined ? undefined : { cause },
  );
}

function strictBase64(text: string, fileName: string, field: string): Buffer {
  const clean = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0)
    fail(fileName, `${field} is not base64`);
  return Buffer.from(clean, "base64");
}

function fromPython(value: z.infer<typeof pythonSchema>, fileName: string): Evidence {
  const pckCrl = value.pck_platform_crl ?? value.pck_processor_crl;
  if (!pckCrl) fail(fileName, "it has neither pck_platform_crl nor pck_processor_crl");
  const tcbHex = strictBase64(value.tcb_info, fileName, "tcb_info").toString("latin1").trim();
  if (!/^([0-9a-fA-F]{2})+$/.test(tcbHex)) fail(fileName, "tcb_info is not base64 of hex");
  // The PCK CRL's issuer chain (PCK CA, root) is not in this format; the quote carries the PCK CA.
  let pckCaPem: string;
  try {
    const quote = parseQuote(extractQuoteFromCertificate(value.ratls_certificate));
    const chain = certificationChainPems(quote.signatureData.certificationData);
    if (chain.length < 2) throw new Error(`the quote carries ${chain.length} certificates`);
    pckCaPem = chain[1]!;
  } catch (cause) {
    fail(fileName, "the quote in ratls_certificate cannot be read", cause);
  }
  const signingChain = `${value.tcb_cert.trim()}\n${INTEL_SGX_ROOT_CA_PEM}`;
  return {
    mode: "sgx",
    source: "mse-home-python",
    spawnArgs: {
      host: value.input_args.host,
      sans: [],
      expirationDate: value.input_args.expiration_date,
      size: value.input_args.size,
      appId: value.input_args.app_id,
      application: value.input_args.application,
    },
    certificatePem: value.ratls_certificate,
    signerPublicKeyPem: value.signer_pk,
    pckCa: value.pck_platform_crl ? "platform" : "processor",
    collateral: {
      pck_crl_issuer_chain: `${pckCaPem}${INTEL_SGX_ROOT_CA_PEM}`,
      root_ca_crl: value.root_ca_crl,
      pck_crl: pckCrl,
      tcb_info_issuer_chain: signingChain,
      tcb_info: Buffer.from(tcbHex, "hex").toString("utf8"),
      qe_identity_issuer_chain: signingChain,
      qe_identity: strictBase64(value.qe_identity, fileName, "qe_identity").toString("utf8"),
    },
  };
}

/** A version as found: a scalar as written, a container by its kind (it may be nested without end). */
function versionText(value: unknown): string {
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? "(an array)" : "(an object)";
  return JSON.stringify(value)?.slice(0, 20) ?? "(missing)";
}

/** Reads evidence in our format (any mode) or the original Python msehome's (SGX). */
export function parseEvidence(text: string, fileName: string): Evidence {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    fail(fileName, "it is not JSON", cause);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    fail(fileName, "it is not a JSON object");
  const record = value as Record<string, unknown>;
  if (record.format === EVIDENCE_FORMAT) {
    if (record.version !== EVIDENCE_VERSION) {
      fail(
        fileName,
        `its format version ${versionText(record.version)} is not supported (this msehome reads version ${EVIDENCE_VERSION})`,
      );
    }
    const result = oursSchema.safeParse(value);
    if (!result.success) fail(fileName, z.prettifyError(result.error));
    const ours = result.data;
    return {
      mode: ours.mode,
      source: "msehome",
      spawnArgs: {
        host: ours.spawn_args.host,
        sans: ours.spawn_args.san ?? [],
        expirationDate: ours.spawn_args.expiration_date,
        size: ours.spawn_args.size,
        appId: ours.spawn_args.app_id,
        application: ours.spawn_args.application,
      },
      certificatePem: ours.ratls_certificate,
      signerPublicKeyPem: ours.signer_public_key,
      pckCa: ours.pck_ca,
      collateral: ours.collateral,
    };
  }
  if ("input_args" in record && "tcb_cert" in record) {
    const result = pythonSchema.safeParse(value);
    if (!result.success) fail(fileName, z.prettifyError(result.error));
    return fromPython(result.data, fileName);
  }
  return fail(
    fileName,
    `it has neither "format": "${EVIDENCE_FORMAT}" nor the fields of the original msehome's evidence`,
  );
}

/** Our evidence.json text (version 1), whatever format the evidence was read from. */
export function renderEvidence(evidence: Evidence): string {
  const document = {
    format: EVIDENCE_FORMAT,
    version: EVIDENCE_VERSION,
    mode: evidence.mode,
    spawn_args: {
      host: evidence.spawnArgs.host,
      ...(evidence.spawnArgs.sans.length > 0 ? { san: evidence.spawnArgs.sans } : {}),
      expiration_date: evidence.spawnArgs.expirationDate,
      size: evidence.spawnArgs.size,
      app_id: evidence.spawnArgs.appId,
      application: evidence.spawnArgs.application,
    },
    ratls_certificate: evidence.certificatePem,
    signer_public_key: evidence.signerPublicKeyPem,
    pck_ca: evidence.pckCa,
    collateral: {
      pck_crl_issuer_chain: evidence.collateral.pck_crl_issuer_chain,
      root_ca_crl: evidence.collateral.root_ca_crl,
      pck_crl: evidence.collateral.pck_crl,
      tcb_info_issuer_chain: evidence.collateral.tcb_info_issuer_chain,
      tcb_info: evidence.collateral.tcb_info,
      qe_identity_issuer_chain: evidence.collateral.qe_identity_issuer_chain,
      qe_identity: evidence.collateral.qe_identity,
    },
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

// For tests: a complete DCAP world under a test root CA — PCK chain, CRLs, TCB signing
// certificate, TCB info, QE identity and a signed v3 quote — with every part adjustable, so tests
// can walk each TCB status path and each failure. Built with node:crypto and a DER writer.
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { formatName } from "../names.js";
import { INTEL_SGX_TCB_SIGNING_NAME } from "../roots.js";
import type { Collateral } from "../collateral.js";
import { toPem } from "../pem.js";
import {
  OID_SGX_CONFIGURATION,
  OID_SGX_EXTENSION,
  OID_SGX_FMSPC,
  OID_SGX_PCEID,
  OID_SGX_PLATFORM_INSTANCE_ID,
  OID_SGX_PPID,
  OID_SGX_TCB,
  OID_SGX_TCB_CPUSVN,
  OID_SGX_TCB_PCESVN,
  OID_SGX_TYPE,
} from "../pck.js";
import {
  serializeQuote,
  serializeReportBody,
  type EnclaveReportBody,
  type Quote,
  type QuoteHeader,
} from "../quote.js";
import {
  bitString,
  bool,
  enumerated,
  explicit,
  integer,
  name,
  octets,
  oid,
  seq,
  time,
  tlv,
} from "./derWriter.js";

export interface TestKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  spki: Uint8Array;
  /** x‖y of the P-256 point. */
  raw: Uint8Array;
  /** Subject key identifier: SHA-1 of the public key, as RFC 5280 suggests. */
  keyId: Uint8Array;
}

export function testKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
  const keyId = new Uint8Array(createHash("sha1").update(spki.subarray(26)).digest());
  return { privateKey, publicKey, spki, raw: spki.slice(27), keyId };
}

const ECDSA_SHA256 = seq(oid("1.2.840.10045.4.3.2"));

export interface CertSpec {
  subject: string;
  issuer: string;
  issuerKey: TestKey;
  key: TestKey;
  serial: number;
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
  extra?: Uint8Array[];
}

export function makeCertificate(spec: CertSpec): Uint8Array {
  const extensions = [
    seq(oid("2.5.29.19"), bool(true), octets(spec.ca ? seq(bool(true)) : seq())),
    seq(oid("2.5.29.15"), bool(true), octets(bitString(Uint8Array.of(spec.ca ? 0x06 : 0xc0)))),
    seq(oid("2.5.29.14"), octets(octets(spec.key.keyId))),
    ...(spec.extra ?? []),
  ];
  const tbs = seq(
    explicit(0, integer(2)),
    integer(spec.serial),
    ECDSA_SHA256,
    name(spec.issuer),
    seq(time(spec.notBefore), time(spec.notAfter)),
    name(spec.subject),
    spec.key.spki,
    explicit(3, seq(...extensions)),
  );
  const signature = new Uint8Array(sign("sha256", tbs, spec.issuerKey.privateKey));
  return seq(tbs, ECDSA_SHA256, bitString(signature));
}

/** A CRL in Intel's profile: CRL number and authority key identifier, unless told to leave them out. */
export function makeCrl(spec: {
  issuer: string;
  issuerKey: TestKey;
  thisUpdate: Date;
  nextUpdate: Date;
  revoked: number[];
  /** null leaves the extension out. */
  crlNumber?: number | null;
  /** Default: the issuer's key; null leaves the extension out. */
  authorityKeyId?: Uint8Array | null;
}): Uint8Array {
  const entries = spec.revoked.map((serial) => seq(integer(serial), time(spec.thisUpdate)));
  const authorityKeyId = spec.authorityKeyId === undefined ? spec.issuerKey.keyId : spec.authorityKeyId;
  const extensions = [
    ...(spec.crlNumber === null ? [] : [seq(oid("2.5.29.20"), octets(integer(spec.crlNumber ?? 1)))]),
    ...(authorityKeyId === null ? [] : [seq(oid("2.5.29.35"), octets(seq(tlv(0x80, authorityKeyId))))]),
  ];
  const tbs = seq(
    integer(1),
    ECDSA_SHA256,
    name(spec.issuer),
    time(spec.thisUpdate),
    time(spec.nextUpdate),
    ...(entries.length > 0 ? [seq(...entries)] : []),
    ...(extensions.length > 0 ? [explicit(0, seq(...extensions))] : []),
  );
  const signature = new Uint8Array(sign("sha256", tbs, spec.issuerKey.privateKey));
  return seq(tbs, ECDSA_SHA256, bitString(signature));
}

export interface PckSpec {
  componentSvns: number[];
  pceSvn: number;
  fmspc: string;
  pceId: string;
  platformCa: boolean;
}

export function sgxExtension(spec: PckSpec): Uint8Array {
  const entry = (id: string, value: Uint8Array): Uint8Array => seq(oid(id), value);
  const tcb = seq(
    ...spec.componentSvns.map((svn, i) => entry(`${OID_SGX_TCB}.${i + 1}`, integer(svn))),
    entry(OID_SGX_TCB_PCESVN, integer(spec.pceSvn)),
    entry(OID_SGX_TCB_CPUSVN, octets(Uint8Array.from(spec.componentSvns))),
  );
  const parts = [
    entry(OID_SGX_PPID, octets(new Uint8Array(16).fill(0x11))),
    entry(OID_SGX_TCB, tcb),
    entry(OID_SGX_PCEID, octets(Buffer.from(spec.pceId, "hex"))),
    entry(OID_SGX_FMSPC, octets(Buffer.from(spec.fmspc, "hex"))),
    entry(OID_SGX_TYPE, enumerated(spec.platformCa ? 1 : 0)),
  ];
  if (spec.platformCa) {
    parts.push(entry(OID_SGX_PLATFORM_INSTANCE_ID, octets(new Uint8Array(16).fill(0x22))));
    parts.push(
      entry(
        OID_SGX_CONFIGURATION,
        seq(
          entry(`${OID_SGX_CONFIGURATION}.1`, bool(false)),
          entry(`${OID_SGX_CONFIGURATION}.2`, bool(true)),
          entry(`${OID_SGX_CONFIGURATION}.3`, bool(false)),
        ),
      ),
    );
  }
  return seq(oid(OID_SGX_EXTENSION), octets(seq(...parts)));
}

/** `{"<key>":<json>,"signature":"<hex r‖s>"}` signed over the exact inner text. */
export function signedBody(key: "tcbInfo" | "enclaveIdentity", value: unknown, signer: TestKey): string {
  const text = JSON.stringify(value);
  const signature = sign("sha256", Buffer.from(text), { key: signer.privateKey, dsaEncoding: "ieee-p1363" });
  return `{"${key}":${text},"signature":"${signature.toString("hex")}"}`;
}

export function reportBody(overrides: Partial<EnclaveReportBody> = {}): EnclaveReportBody {
  return {
    cpuSvn: new Uint8Array(16),
    miscSelect: 0,
    reserved1: new Uint8Array(12),
    isvExtProdId: new Uint8Array(16),
    attributes: Uint8Array.from([0x05, 0, 0, 0, 0, 0, 0, 0, 0xe7, 0, 0, 0, 0, 0, 0, 0]),
    mrEnclave: new Uint8Array(32).fill(0xaa),
    reserved2: new Uint8Array(32),
    mrSigner: new Uint8Array(32).fill(0xbb),
    reserved3: new Uint8Array(32),
    configId: new Uint8Array(64),
    isvProdId: 1,
    isvSvn: 1,
    configSvn: 0,
    reserved4: new Uint8Array(42),
    isvFamilyId: new Uint8Array(16),
    reportData: new Uint8Array(64),
    ...overrides,
  };
}

export const TEST_QE_MRSIGNER = new Uint8Array(32).fill(0x8c);

export interface TcbLevelSpec {
  svn: number; // every component SVN of the level
  /** The 16 component SVNs one by one, instead of `svn` for all. */
  components?: number[];
  pceSvn: number;
  status: string;
  advisoryIds?: string[];
}

export interface QeLevelSpec {
  isvSvn: number;
  status: string;
  advisoryIds?: string[];
}

export interface TestPlatformOptions {
  at?: Date;
  tcbLevels?: TcbLevelSpec[];
  qeLevels?: QeLevelSpec[];
  pckSvn?: number; // every component SVN of the PCK certificate
  pceSvn?: number;
  qeIsvSvn?: number;
  revokePck?: boolean;
  revokePckCa?: boolean;
  enclave?: Partial<EnclaveReportBody>;
  /** Quote header fields to change (the quote is signed over them). */
  header?: Partial<QuoteHeader>;
  tcbInfoVersion?: 2 | 3;
  /** FMSPC the TCB info claims (default: the PCK certificate's). */
  tcbInfoFmspc?: string;
  /** MRSIGNER the QE identity expects (default: the QE's). */
  qeIdentityMrSigner?: string;
}

/** A certificate of the test world with its key. */
export interface TestAuthority {
  key: TestKey;
  der: Uint8Array;
  pem: string;
}

export interface TestPlatform {
  root: TestKey;
  rootDer: Uint8Array;
  rootPem: string;
  quote: Uint8Array;
  quoteValue: Quote;
  collateral: Collateral;
  at: Date;
  /**
   * Every certificate of the world: the root, the PCK Platform CA, the quoting platform's PCK
   * certificate, another platform's (valid) and a third one's (revoked on the PCK CRL), and the TCB
   * Signing certificate (Intel's TCB Signing name, issued by the root).
   */
  authorities: Record<"root" | "pckCa" | "pck" | "otherPck" | "revokedPck" | "tcbSigning", TestAuthority>;
  /** The unsigned TCB info and QE identity objects, to sign again with another key. */
  tcbInfoValue: unknown;
  qeIdentityValue: unknown;
}

/** Intel's TCB Signing name, which the test world's TCB Signing certificate bears too. */
export const TEST_TCB_SIGNING_NAME = formatName(INTEL_SGX_TCB_SIGNING_NAME);

const DAY = 86_400_000;

function tcbInfoValue(options: TestPlatformOptions, at: Date): unknown {
  const version = options.tcbInfoVersion ?? 3;
  const levels = (options.tcbLevels ?? [{ svn: 0, pceSvn: 0, status: "UpToDate" }]).map((level) => {
    const tcb =
      version === 3
        ? {
            sgxtcbcomponents: Array.from({ length: 16 }, (_, i) => ({
              svn: level.components?.[i] ?? level.svn,
            })),
            pcesvn: level.pceSvn,
          }
        : {
            ...Object.fromEntries(
              Array.from({ length: 16 }, (_, i) => [
                `sgxtcbcomp${String(i + 1).padStart(2, "0")}svn`,
                level.components?.[i] ?? level.svn,
              ]),
            ),
            pcesvn: level.pceSvn,
          };
    return {
      tcb,
      tcbDate: "2023-01-01T00:00:00Z",
      tcbStatus: level.status,
      ...(level.advisoryIds ? { advisoryIDs: level.advisoryIds } : {}),
    };
  });
  return {
    ...(version === 3 ? { id: "SGX" } : {}),
    version,
    issueDate: new Date(at.getTime() - DAY).toISOString().replace(".000Z", "Z"),
    nextUpdate: new Date(at.getTime() + 30 * DAY).toISOString().replace(".000Z", "Z"),
    fmspc: options.tcbInfoFmspc ?? "00906ED50000",
    pceId: "0000",
    tcbType: 0,
    tcbEvaluationDataNumber: 16,
    tcbLevels: levels,
  };
}

function qeIdentityValue(options: TestPlatformOptions, at: Date): unknown {
  const levels = options.qeLevels ?? [{ isvSvn: 0, status: "UpToDate" }];
  return {
    id: "QE",
    version: 2,
    issueDate: new Date(at.getTime() - DAY).toISOString().replace(".000Z", "Z"),
    nextUpdate: new Date(at.getTime() + 30 * DAY).toISOString().replace(".000Z", "Z"),
    tcbEvaluationDataNumber: 16,
    miscselect: "00000000",
    miscselectMask: "FFFFFFFF",
    attributes: "11000000000000000000000000000000",
    attributesMask: "FBFFFFFFFFFFFFFF0000000000000000",
    mrsigner: options.qeIdentityMrSigner ?? Buffer.from(TEST_QE_MRSIGNER).toString("hex").toUpperCase(),
    isvprodid: 1,
    tcbLevels: levels.map((l) => ({
      tcb: { isvsvn: l.isvSvn },
      tcbDate: "2023-01-01T00:00:00Z",
      tcbStatus: l.status,
      ...(l.advisoryIds ? { advisoryIDs: l.advisoryIds } : {}),
    })),
  };
}

/** Builds the whole test world valid at `at`. */
export function testPlatform(options: TestPlatformOptions = {}): TestPlatform {
  const at = options.at ?? new Date("2024-06-01T00:00:00Z");
  const notBefore = new Date(at.getTime() - 365 * DAY);
  const notAfter = new Date(at.getTime() + 365 * DAY);
  const root = testKey();
  const pckCa = testKey();
  const pck = testKey();
  const tcbSigner = testKey();
  const attestation = testKey();
  const ROOT = "Test SGX Root CA";
  const PLATFORM_CA = "Test SGX PCK Platform CA";

  const rootDer = makeCertificate({
    subject: ROOT,
    issuer: ROOT,
    issuerKey: root,
    key: root,
    serial: 1,
    notBefore,
    notAfter,
    ca: true,
  });
  const caDer = makeCertificate({
    subject: PLATFORM_CA,
    issuer: ROOT,
    issuerKey: root,
    key: pckCa,
    serial: 2,
    notBefore,
    notAfter,
    ca: true,
  });
  const pckSvn = options.pckSvn ?? 5;
  const pckCertificate = (key: TestKey, serial: number): Uint8Array =>
    makeCertificate({
      subject: "Test SGX PCK Certificate",
      issuer: PLATFORM_CA,
      issuerKey: pckCa,
      key,
      serial,
      notBefore,
      notAfter,
      ca: false,
      extra: [
        sgxExtension({
          componentSvns: Array.from({ length: 16 }, () => pckSvn),
          pceSvn: options.pceSvn ?? 11,
          fmspc: "00906ED50000",
          pceId: "0000",
          platformCa: true,
        }),
      ],
    });
  const leafDer = pckCertificate(pck, 3);
  const otherPck = testKey();
  const revokedPck = testKey();
  const tcbDer = makeCertificate({
    subject: TEST_TCB_SIGNING_NAME,
    issuer: ROOT,
    issuerKey: root,
    key: tcbSigner,
    serial: 4,
    notBefore,
    notAfter,
    ca: false,
  });

  const rootPem = toPem(rootDer, "CERTIFICATE");
  const chainPem = toPem(leafDer, "CERTIFICATE") + toPem(caDer, "CERTIFICATE") + rootPem;
  const crlWindow = {
    thisUpdate: new Date(at.getTime() - DAY),
    nextUpdate: new Date(at.getTime() + 30 * DAY),
  };
  const rootCrl = makeCrl({
    issuer: ROOT,
    issuerKey: root,
    ...crlWindow,
    revoked: options.revokePckCa ? [2] : [77],
  });
  const pckCrl = makeCrl({
    issuer: PLATFORM_CA,
    issuerKey: pckCa,
    ...crlWindow,
    revoked: options.revokePck ? [3, 6, 99] : [6, 99],
  });

  const qeAuthData = new Uint8Array(32).map((_, i) => i);
  const qeReportData = new Uint8Array(64);
  qeReportData.set(createHash("sha256").update(attestation.raw).update(qeAuthData).digest());
  const qeReport = reportBody({
    attributes: Uint8Array.from([0x11, 0, 0, 0, 0, 0, 0, 0, 0xe7, 0, 0, 0, 0, 0, 0, 0]),
    mrSigner: TEST_QE_MRSIGNER,
    isvProdId: 1,
    isvSvn: options.qeIsvSvn ?? 8,
    reportData: qeReportData,
  });
  const quoteValue: Quote = {
    header: {
      version: 3,
      attestationKeyType: 2,
      teeType: 0,
      qeSvn: 8,
      pceSvn: 11,
      qeVendorId: Buffer.from("939a7233f79c4ca9940a0db3957f0607", "hex"),
      userData: new Uint8Array(20),
      ...options.header,
    },
    reportBody: reportBody(options.enclave),
    signatureData: {
      isvEnclaveReportSignature: new Uint8Array(64),
      attestationKey: attestation.raw,
      qeReport,
      qeReportSignature: new Uint8Array(
        sign("sha256", serializeReportBody(qeReport), { key: pck.privateKey, dsaEncoding: "ieee-p1363" }),
      ),
      qeAuthData,
      certificationData: { type: 5, data: new TextEncoder().encode(chainPem) },
    },
  };
  const unsigned = serializeQuote(quoteValue);
  quoteValue.signatureData.isvEnclaveReportSignature = new Uint8Array(
    sign("sha256", unsigned.subarray(0, 432), { key: attestation.privateKey, dsaEncoding: "ieee-p1363" }),
  );
  const tcbChain = toPem(tcbDer, "CERTIFICATE") + rootPem;
  const authority = (key: TestKey, der: Uint8Array): TestAuthority => ({
    key,
    der,
    pem: toPem(der, "CERTIFICATE"),
  });
  const tcbInfo = tcbInfoValue(options, at);
  const qeIdentity = qeIdentityValue(options, at);
  return {
    root,
    rootDer,
    rootPem,
    quote: serializeQuote(quoteValue),
    quoteValue,
    at,
    collateral: {
      pck_crl_issuer_chain: toPem(caDer, "CERTIFICATE") + rootPem,
      root_ca_crl: toPem(rootCrl, "X509 CRL"),
      pck_crl: Buffer.from(pckCrl).toString("hex"),
      tcb_info_issuer_chain: tcbChain,
      tcb_info: signedBody("tcbInfo", tcbInfo, tcbSigner),
      qe_identity_issuer_chain: tcbChain,
      qe_identity: signedBody("enclaveIdentity", qeIdentity, tcbSigner),
    },
    authorities: {
      root: authority(root, rootDer),
      pckCa: authority(pckCa, caDer),
      pck: authority(pck, leafDer),
      otherPck: authority(otherPck, pckCertificate(otherPck, 5)),
      revokedPck: authority(revokedPck, pckCertificate(revokedPck, 6)),
      tcbSigning: authority(tcbSigner, tcbDer),
    },
    tcbInfoValue: tcbInfo,
    qeIdentityValue: qeIdentity,
  };
}

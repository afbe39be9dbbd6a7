// The Intel SGX extension of PCK certificates (OID 1.2.840.113741.1.13.1), as Intel's
// "PCK Certificate and CRL Profile" defines it: PPID, TCB (16 component SVNs, PCESVN, CPUSVN),
// PCE-ID, FMSPC, SGX type and, in Platform CA certificates, PlatformInstanceID and Configuration.
import { AttestationFormatError } from "./errors.js";
import { certificateFields } from "./certificateFields.js";
import {
  children,
  decodeOid,
  decodeSmallInteger,
  expectTag,
  readRoot,
  TAG_BOOLEAN,
  TAG_ENUMERATED,
  TAG_INTEGER,
  TAG_OCTET_STRING,
  TAG_OID,
  TAG_SEQUENCE,
  valueOf,
  type DerElement,
} from "./der.js";

export const OID_SGX_EXTENSION = "1.2.840.113741.1.13.1";
export const OID_SGX_PPID = `${OID_SGX_EXTENSION}.1`;
export const OID_SGX_TCB = `${OID_SGX_EXTENSION}.2`;
/** TCB components 1..16 are `${OID_SGX_TCB}.1` … `${OID_SGX_TCB}.16`. */
export const OID_SGX_TCB_PCESVN = `${OID_SGX_TCB}.17`;
export const OID_SGX_TCB_CPUSVN = `${OID_SGX_TCB}.18`;
export const OID_SGX_PCEID = `${OID_SGX_EXTENSION}.3`;
export const OID_SGX_FMSPC = `${OID_SGX_EXTENSION}.4`;
export const OID_SGX_TYPE = `${OID_SGX_EXTENSION}.5`;
export const OID_SGX_PLATFORM_INSTANCE_ID = `${OID_SGX_EXTENSION}.6`;
export const OID_SGX_CONFIGURATION = `${OID_SGX_EXTENSION}.7`;
export const OID_SGX_CONFIGURATION_DYNAMIC_PLATFORM = `${OID_SGX_CONFIGURATION}.1`;
export const OID_SGX_CONFIGURATION_CACHED_KEYS = `${OID_SGX_CONFIGURATION}.2`;
export const OID_SGX_CONFIGURATION_SMT_ENABLED = `${OID_SGX_CONFIGURATION}.3`;

const OID_SGX_TCB_COMPONENTS = Array.from({ length: 16 }, (_, i) => `${OID_SGX_TCB}.${i + 1}`);

/** SGX type: 0 Standard, 1 Scalable, 2 Scalable with integrity. */
export type SgxType = "Standard" | "Scalable" | "ScalableWithIntegrity";
const SGX_TYPES: readonly SgxType[] = ["Standard", "Scalable", "ScalableWithIntegrity"];

export interface PckTcb {
  componentSvns: number[]; // 16 values, SGX TCB components 1..16
  pceSvn: number;
  cpuSvn: Uint8Array; // 16
}

export interface PckConfiguration {
  dynamicPlatform?: boolean;
  cachedKeys?: boolean;
  smtEnabled?: boolean;
}

export interface PckExtension {
  ppid: Uint8Array; // 16
  tcb: PckTcb;
  pceId: Uint8Array; // 2
  fmspc: Uint8Array; // 6
  sgxType: SgxType;
  platformInstanceId?: Uint8Array; // 16, Platform CA certificates only
  configuration?: PckConfiguration; // Platform CA certificates only
}

// The extension value is SEQUENCE OF SEQUENCE { sgxExtensionId OBJECT IDENTIFIER, value ANY };
// TCB and Configuration nest the same shape one level down.
type Entries = Map<string, { bytes: Uint8Array; element: DerElement }>;

function entries(bytes: Uint8Array, parent: DerElement, what: string): Entries {
  const label = `PCK certificate SGX extension ${what}`;
  expectTag(parent, TAG_SEQUENCE, label);
  const map: Entries = new Map();
  for (const entry of children(bytes, parent, label)) {
    const [id, value, extra] = children(bytes, expectTag(entry, TAG_SEQUENCE, label), label);
    if (!value || extra) throw new AttestationFormatError(`${label}: an entry is not an (OID, value) pair`);
    const oid = decodeOid(valueOf(bytes, expectTag(id, TAG_OID, label)));
    if (map.has(oid)) throw new AttestationFormatError(`${label}: ${oid} appears twice`);
    map.set(oid, { bytes, element: value });
  }
  return map;
}

function required(map: Entries, oid: string, what: string): DerElement {
  const value = map.get(oid);
  if (!value) throw new AttestationFormatError(`PCK certificate SGX extension has no ${what} (${oid})`);
  return value.element;
}

function octets(bytes: Uint8Array, element: DerElement, what: string, size: number): Uint8Array {
  const value = valueOf(bytes, expectTag(element, TAG_OCTET_STRING, `PCK certificate SGX extension ${what}`));
  if (value.length !== size) {
    throw new AttestationFormatError(
      `PCK certificate SGX extension: ${what} must be ${size} bytes, got ${value.length}`,
    );
  }
  return value.slice();
}

function svn(bytes: Uint8Array, element: DerElement, what: string, max: number): number {
  const label = `PCK certificate SGX extension ${what}`;
  const n = decodeSmallInteger(valueOf(bytes, expectTag(element, TAG_INTEGER, label)), label);
  if (n > max) {
    throw new AttestationFormatError(`PCK certificate SGX extension: ${what} ${n} is out of range 0..${max}`);
  }
  return n;
}

function flag(bytes: Uint8Array, element: DerElement | undefined, what: string): boolean | undefined {
  if (!element) return undefined;
  const value = valueOf(bytes, expectTag(element, TAG_BOOLEAN, `PCK certificate SGX extension ${what}`));
  if (value.length !== 1)
    throw new AttestationFormatError(`PCK certificate SGX extension: ${what} is malformed`);
  return value[0] !== 0;
}

/** Parses the value (extnValue contents) of the SGX extension. */
export function parseSgxExtensionValue(der: Uint8Array): PckExtension {
  const top = entries(der, readRoot(der, "PCK certificate SGX extension"), "");
  const tcb = entries(der, required(top, OID_SGX_TCB, "TCB"), "TCB");
  const componentSvns: number[] = [];
  for (let i = 1; i <= 16; i++) {
    const what = `TCB component ${i}`;
    componentSvns.push(svn(der, required(tcb, OID_SGX_TCB_COMPONENTS[i - 1]!, what), what, 255));
  }
  const typeElement = expectTag(required(top, OID_SGX_TYPE, "SGX type"), TAG_ENUMERATED, "SGX type");
  const typeValue = decodeSmallInteger(valueOf(der, typeElement), "SGX type");
  const sgxType = SGX_TYPES[typeValue];
  if (!sgxType)
    throw new AttestationFormatError(`PCK certificate SGX extension: unknown SGX type ${typeValue}`);
  const extension: PckExtension = {
    ppid: octets(der, required(top, OID_SGX_PPID, "PPID"), "PPID", 16),
    tcb: {
      componentSvns,
      pceSvn: svn(der, required(tcb, OID_SGX_TCB_PCESVN, "PCESVN"), "PCESVN", 0xffff),
      cpuSvn: octets(der, required(tcb, OID_SGX_TCB_CPUSVN, "CPUSVN"), "CPUSVN", 16),
    },
    pceId: octets(der, required(top, OID_SGX_PCEID, "PCE-ID"), "PCE-ID", 2),
    fmspc: octets(der, required(top, OID_SGX_FMSPC, "FMSPC"), "FMSPC", 6),
    sgxType,
  };
  const instance = top.get(OID_SGX_PLATFORM_INSTANCE_ID);
  if (instance) extension.platformInstanceId = octets(der, instance.element, "PlatformInstanceID", 16);
  const configuration = top.get(OID_SGX_CONFIGURATION);
  if (configuration) {
    const flags = entries(der, configuration.element, "Configuration");
    const config: PckConfiguration = {};
    const dynamicPlatform = flag(
      der,
      flags.get(OID_SGX_CONFIGURATION_DYNAMIC_PLATFORM)?.element,
      "dynamicPlatform",
    );
    const cachedKeys = flag(der, flags.get(OID_SGX_CONFIGURATION_CACHED_KEYS)?.element, "cachedKeys");
    const smtEnabled = flag(der, flags.get(OID_SGX_CONFIGURATION_SMT_ENABLED)?.element, "SMTEnabled");
    if (dynamicPlatform !== undefined) config.dynamicPlatform = dynamicPlatform;
    if (cachedKeys !== undefined) config.cachedKeys = cachedKeys;
    if (smtEnabled !== undefined) config.smtEnabled = smtEnabled;
    extension.configuration = config;
  }
  return extension;
}

/** Finds and parses the SGX extension of a PCK certificate (DER). */
export function parsePckExtension(certDer: Uint8Array): PckExtension {
  const value = certificateFields(certDer, "PCK certificate").extensions.get(OID_SGX_EXTENSION)?.value;
  if (!value) {
    throw new AttestationFormatError(
      `certificate has no SGX extension (${OID_SGX_EXTENSION}); it is not a PCK certificate`,
    );
  }
  return parseSgxExtensionValue(value);
}

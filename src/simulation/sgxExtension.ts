// Encodes the Intel SGX extension (OID 1.2.840.113741.1.13.1) that a PCK certificate carries, in Intel's exact ASN.1 layout.
import * as asn1js from "asn1js";

/** The SGX extension and its members, as Intel's PCK Certificate and CRL Profile numbers them. */
export const SGX_EXTENSION_OID = "1.2.840.113741.1.13.1";
const OID = {
  ppid: `${SGX_EXTENSION_OID}.1`,
  tcb: `${SGX_EXTENSION_OID}.2`,
  pceSvn: `${SGX_EXTENSION_OID}.2.17`,
  cpuSvn: `${SGX_EXTENSION_OID}.2.18`,
  pceId: `${SGX_EXTENSION_OID}.3`,
  fmspc: `${SGX_EXTENSION_OID}.4`,
  sgxType: `${SGX_EXTENSION_OID}.5`,
  platformInstanceId: `${SGX_EXTENSION_OID}.6`,
  configuration: `${SGX_EXTENSION_OID}.7`,
  dynamicPlatform: `${SGX_EXTENSION_OID}.7.1`,
  cachedKeys: `${SGX_EXTENSION_OID}.7.2`,
  smtEnabled: `${SGX_EXTENSION_OID}.7.3`,
} as const;

/** SGX Type as the extension enumerates it. */
export const SGX_TYPES = { standard: 0, scalable: 1, scalableWithIntegrity: 2 } as const;
export type SgxType = keyof typeof SGX_TYPES;

export interface PlatformTcb {
  /** The 16 SGX TCB component SVNs (0..255). */
  components: readonly number[];
  /** PCE SVN (0..65535). */
  pceSvn: number;
  /** CPUSVN, 16 bytes. */
  cpuSvn: Uint8Array;
}

export interface SgxExtensionFields {
  ppid: Uint8Array;
  tcb: PlatformTcb;
  pceId: Uint8Array;
  fmspc: Uint8Array;
  sgxType: SgxType;
  /** Present in certificates issued by the PCK Platform CA. */
  platformInstanceId?: Uint8Array;
  /** Present in certificates issued by the PCK Platform CA. */
  configuration?: { dynamicPlatform: boolean; cachedKeys: boolean; smtEnabled: boolean };
}

function entry(oid: string, value: asn1js.AsnType): asn1js.Sequence {
  return new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: oid }), value] });
}

function octets(bytes: Uint8Array, length: number, what: string): asn1js.OctetString {
  if (bytes.length !== length) throw new RangeError(`${what} must be ${length} bytes, got ${bytes.length}`);
  return new asn1js.OctetString({ valueHex: Uint8Array.from(bytes).buffer });
}

function integer(value: number, max: number, what: string): asn1js.Integer {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new RangeError(`${what} must be an integer in 0..${max}, got ${value}`);
  return new asn1js.Integer({ value });
}

/** DER of the extension's value (the SEQUENCE inside the extension's OCTET STRING). */
export function encodeSgxExtension(fields: SgxExtensionFields): Uint8Array {
  const { tcb } = fields;
  if (tcb.components.length !== 16)
    throw new RangeError(`an SGX TCB has 16 components, got ${tcb.components.length}`);
  const tcbEntries = tcb.components.map((svn, i) =>
    entry(`${OID.tcb}.${i + 1}`, integer(svn, 255, `TCB component ${i + 1} SVN`)),
  );
  tcbEntries.push(entry(OID.pceSvn, integer(tcb.pceSvn, 0xffff, "PCESVN")));
  tcbEntries.push(entry(OID.cpuSvn, octets(tcb.cpuSvn, 16, "CPUSVN")));

  const entries = [
    entry(OID.ppid, octets(fields.ppid, 16, "PPID")),
    entry(OID.tcb, new asn1js.Sequence({ value: tcbEntries })),
    entry(OID.pceId, octets(fields.pceId, 2, "PCE-ID")),
    entry(OID.fmspc, octets(fields.fmspc, 6, "FMSPC")),
    entry(OID.sgxType, new asn1js.Enumerated({ value: SGX_TYPES[fields.sgxType] })),
  ];
  if (fields.platformInstanceId) {
    entries.push(entry(OID.platformInstanceId, octets(fields.platformInstanceId, 16, "PlatformInstanceID")));
  }
  if (fields.configuration) {
    const c = fields.configuration;
    entries.push(
      entry(
        OID.configuration,
        new asn1js.Sequence({
          value: [
            entry(OID.dynamicPlatform, new asn1js.Boolean({ value: c.dynamicPlatform })),
            entry(OID.cachedKeys, new asn1js.Boolean({ value: c.cachedKeys })),
            entry(OID.smtEnabled, new asn1js.Boolean({ value: c.smtEnabled })),
          ],
        }),
      ),
    );
  }
  return new Uint8Array(new asn1js.Sequence({ value: entries }).toBER(false));
}

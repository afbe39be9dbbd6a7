// X.509 distinguished names: the attributes of a DER Name, and how Intel's QVL compares two names
// (attribute by attribute, whatever their order or string type, never the raw bytes).
import { children, decodeOid, expectTag, readRoot, TAG_OID, TAG_SEQUENCE, valueOf } from "./der.js";

export interface NameAttribute {
  /** Attribute type OID, e.g. 2.5.4.3 for the common name. */
  type: string;
  value: string;
}

export type DistinguishedName = readonly NameAttribute[];

const SHORT_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
};
const TYPES = Object.fromEntries(Object.entries(SHORT_NAMES).map(([oid, short]) => [short, oid]));

const TAG_BMP_STRING = 0x1e;

function stringValue(bytes: Uint8Array, tag: number): string {
  if (tag === TAG_BMP_STRING) return Buffer.from(bytes).swap16().toString("utf16le");
  // UTF8String, and PrintableString / IA5String (ASCII subsets of it).
  return Buffer.from(bytes).toString("utf8");
}

/** The attributes of a DER Name, in the order they are encoded. */
export function nameAttributes(name: Uint8Array): DistinguishedName {
  const attributes: NameAttribute[] = [];
  const root = readRoot(name, "name");
  for (const rdn of children(name, expectTag(root, TAG_SEQUENCE, "name"), "name")) {
    for (const attribute of children(name, rdn, "name")) {
      const [type, value] = children(name, expectTag(attribute, TAG_SEQUENCE, "name"), "name");
      if (!value) continue;
      attributes.push({
        type: decodeOid(valueOf(name, expectTag(type, TAG_OID, "name"))),
        value: stringValue(valueOf(name, value), value.tag),
      });
    }
  }
  return attributes;
}

export const OID_COMMON_NAME = "2.5.4.3";

/** The first common name (2.5.4.3) of a DER Name, or "" when it has none. */
export function commonName(name: Uint8Array): string {
  return nameAttributes(name).find((a) => a.type === OID_COMMON_NAME)?.value ?? "";
}

/** A name from its text form, e.g. "CN=Intel SGX TCB Signing, O=Intel Corporation, C=US". */
export function distinguishedName(text: string): DistinguishedName {
  return text.split(/,\s*/).map((part) => {
    const [short, ...rest] = part.split("=");
    const type = TYPES[short!.trim()];
    if (!type) throw new Error(`unknown name attribute "${short}"`);
    return { type, value: rest.join("=") };
  });
}

export function formatName(name: DistinguishedName): string {
  return name.map((a) => `${SHORT_NAMES[a.type] ?? a.type}=${a.value}`).join(", ");
}

/** The same attributes with the same values, in any order. */
export function sameName(a: DistinguishedName, b: DistinguishedName): boolean {
  if (a.length !== b.length) return false;
  // Names are almost always written in the same order: compare in place before sorting.
  if (a.every((attribute, i) => attribute.type === b[i]!.type && attribute.value === b[i]!.value))
    return true;
  const key = (name: DistinguishedName): string =>
    name
      .map((attribute) => `${attribute.type}=${attribute.value}`)
      .sort()
      .join("\n");
  return key(a) === key(b);
}

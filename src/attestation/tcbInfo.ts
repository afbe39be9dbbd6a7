// Intel TCB info (versions 2 and 3, SGX): the platform TCB levels of one FMSPC, as PCCS serves
// them. Parsed into one typed shape whatever the version, with the levels in Intel's canonical
// order. As in Intel's QVL, a level with an unknown status, or two levels with the same SVNs,
// make the whole TCB info invalid.
import { JsonFields, type JsonObject } from "./jsonFields.js";

export const TCB_STATUSES = [
  "UpToDate",
  "SWHardeningNeeded",
  "ConfigurationNeeded",
  "ConfigurationAndSWHardeningNeeded",
  "OutOfDate",
  "OutOfDateConfigurationNeeded",
  "Revoked",
] as const;
export type TcbStatus = (typeof TCB_STATUSES)[number];

export function isTcbStatus(value: string): value is TcbStatus {
  return (TCB_STATUSES as readonly string[]).includes(value);
}

export interface TcbLevel {
  componentSvns: number[]; // 16
  pceSvn: number;
  tcbDate: string;
  tcbStatus: TcbStatus;
  advisoryIds: string[];
}

export interface TcbInfo {
  id: string;
  version: 2 | 3;
  issueDate: Date;
  nextUpdate: Date;
  fmspc: string; // lowercase hex, 6 bytes
  pceId: string; // lowercase hex, 2 bytes
  tcbType: number;
  tcbEvaluationDataNumber: number;
  /** Highest first (component SVNs, then PCESVN), whatever the order they were served in. */
  tcbLevels: TcbLevel[];
}

const fields = new JsonFields("TCB info is not a TCB info v2 or v3 object");

// Version 2 names the 16 component SVNs sgxtcbcomp01svn … sgxtcbcomp16svn.
const V2_COMPONENT_KEYS = Array.from(
  { length: 16 },
  (_, i) => `sgxtcbcomp${String(i + 1).padStart(2, "0")}svn`,
);

function isSvn(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 255;
}

// The checks below run for 16 components of every level on every cold verification: the common
// case is tested first, and a field's path is only spelled out to say what is wrong with it.
function componentSvns(version: 2 | 3, tcb: JsonObject, path: string): number[] {
  const svns: number[] = new Array<number>(16);
  if (version === 2) {
    for (let i = 0; i < 16; i++) {
      const key = V2_COMPONENT_KEYS[i]!;
      const svn = tcb[key];
      svns[i] = isSvn(svn) ? svn : fields.integer(svn, `${path}.${key}`, 0, 255);
    }
  } else {
    const list = fields.array(tcb.sgxtcbcomponents, `${path}.sgxtcbcomponents`, { exactly: 16 });
    for (let i = 0; i < 16; i++) {
      const item = list[i];
      const svn = typeof item === "object" && item !== null ? (item as JsonObject).svn : undefined;
      if (isSvn(svn) && !Array.isArray(item)) svns[i] = svn;
      else {
        const component = fields.object(item, `${path}.sgxtcbcomponents[${i}]`);
        svns[i] = fields.integer(component.svn, `${path}.sgxtcbcomponents[${i}].svn`, 0, 255);
      }
    }
  }
  return svns;
}

/**
 * Intel's canonical order of TCB levels (QVL's TcbLevel ordering): the 16 component SVNs compared
 * as one sequence, then PCESVN. Negative when `a` is the higher level.
 */
export function compareTcbLevels(a: TcbLevel, b: TcbLevel): number {
  for (let i = 0; i < 16; i++) {
    const difference = (b.componentSvns[i] ?? 0) - (a.componentSvns[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return b.pceSvn - a.pceSvn;
}

/** The levels in canonical order; two levels with the same SVNs make the TCB info invalid. */
function canonicalLevels(levels: TcbLevel[]): TcbLevel[] {
  const order = levels.map((_, i) => i).sort((a, b) => compareTcbLevels(levels[a]!, levels[b]!));
  for (let i = 1; i < order.length; i++) {
    if (compareTcbLevels(levels[order[i - 1]!]!, levels[order[i]!]!) === 0) {
      const [first, second] = [order[i - 1]!, order[i]!].sort((a, b) => a - b);
      fields.invalid(`tcbLevels[${second}]`, `repeats the component SVNs and PCESVN of tcbLevels[${first}]`);
    }
  }
  return order.map((i) => levels[i]!);
}

/**
 * Reads a parsed `tcbInfo` object (v2: 16 named component SVNs; v3: an `id` and a list of 16
 * components). Unknown members are ignored, as Intel adds informative ones.
 */
export function parseTcbInfo(value: unknown): TcbInfo {
  const info = fields.object(value, "tcbInfo");
  const version = info.version;
  if (version !== 2 && version !== 3) return fields.fail("version", "2 or 3", version);
  return {
    id: version === 3 ? fields.string(info.id, "id") : "SGX",
    version,
    issueDate: fields.isoDate(info.issueDate, "issueDate"),
    nextUpdate: fields.isoDate(info.nextUpdate, "nextUpdate"),
    fmspc: fields.hex(info.fmspc, "fmspc", 6).toLowerCase(),
    pceId: fields.hex(info.pceId, "pceId", 2).toLowerCase(),
    tcbType: fields.integer(info.tcbType, "tcbType", Number.MIN_SAFE_INTEGER),
    tcbEvaluationDataNumber: fields.integer(info.tcbEvaluationDataNumber, "tcbEvaluationDataNumber", 0),
    tcbLevels: tcbLevels(version, info.tcbLevels),
  };
}

function tcbLevels(version: 2 | 3, value: unknown): TcbLevel[] {
  const list = fields.array(value, "tcbLevels", { min: 1 });
  const levels = list.map((item, i): TcbLevel => {
    const path = `tcbLevels[${i}]`;
    const level = fields.object(item, path);
    const tcb = fields.object(level.tcb, `${path}.tcb`);
    const status = fields.string(level.tcbStatus, `${path}.tcbStatus`);
    if (!isTcbStatus(status))
      return fields.fail(`${path}.tcbStatus`, `one of ${TCB_STATUSES.join(", ")}`, status);
    return {
      componentSvns: componentSvns(version, tcb, `${path}.tcb`),
      pceSvn: fields.integer(tcb.pcesvn, `${path}.tcb.pcesvn`, 0, 0xffff),
      tcbDate: fields.isoDateText(level.tcbDate, `${path}.tcbDate`),
      tcbStatus: status,
      advisoryIds: fields.optionalStrings(level.advisoryIDs, `${path}.advisoryIDs`),
    };
  });
  return canonicalLevels(levels);
}

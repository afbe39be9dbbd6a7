// Intel TCB info (versions 2 and 3, SGX): the platform TCB levels of one FMSPC, as PCCS serves
// them. Parsed into one typed shape whatever the version.
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
  /** As served; an unknown value makes the level unusable (Intel's QVL: unrecognised status). */
  tcbStatus: string;
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
  tcbLevels: TcbLevel[];
}

const fields = new JsonFields("TCB info is not a TCB info v2 or v3 object");

// Version 2 names the 16 component SVNs sgxtcbcomp01svn … sgxtcbcomp16svn.
const V2_COMPONENT_KEYS = Array.from(
  { length: 16 },
  (_, i) => `sgxtcbcomp${String(i + 1).padStart(2, "0")}svn`,
);

function componentSvns(version: 2 | 3, tcb: JsonObject, path: string): number[] {
  const svns: number[] = new Array<number>(16);
  if (version === 2) {
    for (let i = 0; i < 16; i++) {
      const key = V2_COMPONENT_KEYS[i]!;
      svns[i] = fields.integer(tcb[key], `${path}.${key}`, 0, 255);
    }
  } else {
    const list = fields.array(tcb.sgxtcbcomponents, `${path}.sgxtcbcomponents`, { exactly: 16 });
    for (let i = 0; i < 16; i++) {
      const component = fields.object(list[i], `${path}.sgxtcbcomponents[${i}]`);
      svns[i] = fields.integer(component.svn, `${path}.sgxtcbcomponents[${i}].svn`, 0, 255);
    }
  }
  return svns;
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
    tcbLevels: fields.array(info.tcbLevels, "tcbLevels", { min: 1 }).map((item, i): TcbLevel => {
      const path = `tcbLevels[${i}]`;
      const level = fields.object(item, path);
      const tcb = fields.object(level.tcb, `${path}.tcb`);
      return {
        componentSvns: componentSvns(version, tcb, `${path}.tcb`),
        pceSvn: fields.integer(tcb.pcesvn, `${path}.tcb.pcesvn`, 0, 0xffff),
        tcbDate: fields.isoDateText(level.tcbDate, `${path}.tcbDate`),
        tcbStatus: fields.string(level.tcbStatus, `${path}.tcbStatus`),
        advisoryIds: fields.optionalStrings(level.advisoryIDs, `${path}.advisoryIDs`),
      };
    }),
  };
}

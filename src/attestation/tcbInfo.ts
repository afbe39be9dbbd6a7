// Intel TCB info (versions 2 and 3, SGX): the platform TCB levels of one FMSPC, as PCCS serves
// them. Parsed into one typed shape whatever the version.
import { z } from "zod";
import { AttestationFormatError } from "./errors.js";

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

const svn = z.number().int().min(0).max(255);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, "an ISO 8601 UTC date");
const hex = (bytes: number) =>
  z.string().regex(new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`), `${bytes} bytes of hex`);

const levelCommon = {
  tcbDate: isoDate,
  tcbStatus: z.string(),
  advisoryIDs: z.array(z.string()).optional(),
};

const v2Tcb = z.object({
  sgxtcbcomp01svn: svn,
  sgxtcbcomp02svn: svn,
  sgxtcbcomp03svn: svn,
  sgxtcbcomp04svn: svn,
  sgxtcbcomp05svn: svn,
  sgxtcbcomp06svn: svn,
  sgxtcbcomp07svn: svn,
  sgxtcbcomp08svn: svn,
  sgxtcbcomp09svn: svn,
  sgxtcbcomp10svn: svn,
  sgxtcbcomp11svn: svn,
  sgxtcbcomp12svn: svn,
  sgxtcbcomp13svn: svn,
  sgxtcbcomp14svn: svn,
  sgxtcbcomp15svn: svn,
  sgxtcbcomp16svn: svn,
  pcesvn: z.number().int().min(0).max(0xffff),
});

const v3Tcb = z.object({
  sgxtcbcomponents: z.array(z.object({ svn })).length(16),
  pcesvn: z.number().int().min(0).max(0xffff),
});

const common = {
  issueDate: isoDate,
  nextUpdate: isoDate,
  fmspc: hex(6),
  pceId: hex(2),
  tcbType: z.number().int(),
  tcbEvaluationDataNumber: z.number().int().min(0),
};

const v2Schema = z.object({
  ...common,
  version: z.literal(2),
  tcbLevels: z.array(z.object({ ...levelCommon, tcb: v2Tcb })).min(1),
});

const v3Schema = z.object({
  ...common,
  id: z.string(),
  version: z.literal(3),
  tcbLevels: z.array(z.object({ ...levelCommon, tcb: v3Tcb })).min(1),
});

const schema = z.discriminatedUnion("version", [v2Schema, v3Schema]);

export function parseTcbInfo(value: unknown): TcbInfo {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AttestationFormatError(
      `TCB info is not a TCB info v2 or v3 object: ${z.prettifyError(result.error)}`,
    );
  }
  const info = result.data;
  return {
    id: info.version === 3 ? info.id : "SGX",
    version: info.version,
    issueDate: new Date(info.issueDate),
    nextUpdate: new Date(info.nextUpdate),
    fmspc: info.fmspc.toLowerCase(),
    pceId: info.pceId.toLowerCase(),
    tcbType: info.tcbType,
    tcbEvaluationDataNumber: info.tcbEvaluationDataNumber,
    tcbLevels: info.tcbLevels.map((level) => ({
      componentSvns:
        "sgxtcbcomponents" in level.tcb
          ? level.tcb.sgxtcbcomponents.map((c) => c.svn)
          : Array.from({ length: 16 }, (_, i) => {
              const key = `sgxtcbcomp${String(i + 1).padStart(2, "0")}svn` as keyof z.infer<typeof v2Tcb>;
              return (level.tcb as z.infer<typeof v2Tcb>)[key];
            }),
      pceSvn: level.tcb.pcesvn,
      tcbDate: level.tcbDate,
      tcbStatus: level.tcbStatus,
      advisoryIds: level.advisoryIDs ?? [],
    })),
  };
}

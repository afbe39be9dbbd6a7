// Intel enclave identity v2 (the QE identity PCCS serves): which MRSIGNER, ISVPRODID, MISCSELECT
// and ATTRIBUTES (under masks) the quoting enclave must have, and the TCB status of each ISVSVN.
import { z } from "zod";
import { AttestationFormatError } from "./errors.js";

export interface EnclaveIdentityTcbLevel {
  isvSvn: number;
  tcbDate: string;
  tcbStatus: string;
  advisoryIds: string[];
}

export interface EnclaveIdentity {
  id: string; // "QE", "QVE" or "TD_QE"
  version: number;
  issueDate: Date;
  nextUpdate: Date;
  tcbEvaluationDataNumber: number;
  miscselect: number;
  miscselectMask: number;
  attributes: Uint8Array; // 16
  attributesMask: Uint8Array; // 16
  mrsigner: Uint8Array; // 32
  isvProdId: number;
  tcbLevels: EnclaveIdentityTcbLevel[];
}

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, "an ISO 8601 UTC date");
const hex = (bytes: number) =>
  z.string().regex(new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`), `${bytes} bytes of hex`);

const schema = z.object({
  id: z.enum(["QE", "QVE", "TD_QE"]),
  version: z.literal(2),
  issueDate: isoDate,
  nextUpdate: isoDate,
  tcbEvaluationDataNumber: z.number().int().min(0),
  miscselect: hex(4),
  miscselectMask: hex(4),
  attributes: hex(16),
  attributesMask: hex(16),
  mrsigner: hex(32),
  isvprodid: z.number().int().min(0).max(0xffff),
  tcbLevels: z
    .array(
      z.object({
        tcb: z.object({ isvsvn: z.number().int().min(0).max(0xffff) }),
        tcbDate: isoDate,
        tcbStatus: z.string(),
        advisoryIDs: z.array(z.string()).optional(),
      }),
    )
    .min(1),
});

const bytes = (hexText: string): Uint8Array => new Uint8Array(Buffer.from(hexText, "hex"));

export function parseEnclaveIdentity(value: unknown): EnclaveIdentity {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AttestationFormatError(
      `QE identity is not an enclave identity v2 object: ${z.prettifyError(result.error)}`,
    );
  }
  const identity = result.data;
  return {
    id: identity.id,
    version: identity.version,
    issueDate: new Date(identity.issueDate),
    nextUpdate: new Date(identity.nextUpdate),
    tcbEvaluationDataNumber: identity.tcbEvaluationDataNumber,
    // The hex lists the bytes as they sit in the report, so it reads as a little-endian u32
    // (Intel's QVL swaps the bytes it parses the same way).
    miscselect: Buffer.from(identity.miscselect, "hex").readUInt32LE(0),
    miscselectMask: Buffer.from(identity.miscselectMask, "hex").readUInt32LE(0),
    attributes: bytes(identity.attributes),
    attributesMask: bytes(identity.attributesMask),
    mrsigner: bytes(identity.mrsigner),
    isvProdId: identity.isvprodid,
    tcbLevels: identity.tcbLevels.map((level) => ({
      isvSvn: level.tcb.isvsvn,
      tcbDate: level.tcbDate,
      tcbStatus: level.tcbStatus,
      advisoryIds: level.advisoryIDs ?? [],
    })),
  };
}

// Intel enclave identity v2 (the QE identity PCCS serves): which MRSIGNER, ISVPRODID, MISCSELECT
// and ATTRIBUTES (under masks) the quoting enclave must have, and the TCB status of each ISVSVN.
// As in Intel's QVL, a level with a status outside the enclave identity's set makes the whole
// identity invalid.
import { JsonFields } from "./jsonFields.js";

/** The statuses an enclave identity level may have (Intel QVL's enclave identity TcbStatus). */
export const ENCLAVE_IDENTITY_STATUSES = [
  "UpToDate",
  "ConfigurationNeeded",
  "OutOfDate",
  "OutOfDateConfigurationNeeded",
  "Revoked",
] as const;
export type EnclaveIdentityStatus = (typeof ENCLAVE_IDENTITY_STATUSES)[number];

function isEnclaveIdentityStatus(value: string): value is EnclaveIdentityStatus {
  return (ENCLAVE_IDENTITY_STATUSES as readonly string[]).includes(value);
}

export interface EnclaveIdentityTcbLevel {
  isvSvn: number;
  tcbDate: string;
  tcbStatus: EnclaveIdentityStatus;
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
  /** In the order served: Intel's QVL takes the first level at or below the QE's ISVSVN. */
  tcbLevels: EnclaveIdentityTcbLevel[];
}

const fields = new JsonFields("QE identity is not an enclave identity v2 object");
const IDENTITY_IDS = new Set(["QE", "QVE", "TD_QE"]);

const bytes = (hexText: string): Uint8Array => new Uint8Array(Buffer.from(hexText, "hex"));
// The hex lists the bytes as they sit in the report, so it reads as a little-endian u32
// (Intel's QVL swaps the bytes it parses the same way).
const littleEndianU32 = (hexText: string): number => Buffer.from(hexText, "hex").readUInt32LE(0);

/** Reads a parsed `enclaveIdentity` object (version 2). Unknown members are ignored. */
export function parseEnclaveIdentity(value: unknown): EnclaveIdentity {
  const identity = fields.object(value, "enclaveIdentity");
  const id = fields.string(identity.id, "id");
  if (!IDENTITY_IDS.has(id)) return fields.fail("id", `one of ${[...IDENTITY_IDS].join(", ")}`, id);
  if (identity.version !== 2) return fields.fail("version", "2", identity.version);
  return {
    id,
    version: 2,
    issueDate: fields.isoDate(identity.issueDate, "issueDate"),
    nextUpdate: fields.isoDate(identity.nextUpdate, "nextUpdate"),
    tcbEvaluationDataNumber: fields.integer(identity.tcbEvaluationDataNumber, "tcbEvaluationDataNumber", 0),
    miscselect: littleEndianU32(fields.hex(identity.miscselect, "miscselect", 4)),
    miscselectMask: littleEndianU32(fields.hex(identity.miscselectMask, "miscselectMask", 4)),
    attributes: bytes(fields.hex(identity.attributes, "attributes", 16)),
    attributesMask: bytes(fields.hex(identity.attributesMask, "attributesMask", 16)),
    mrsigner: bytes(fields.hex(identity.mrsigner, "mrsigner", 32)),
    isvProdId: fields.integer(identity.isvprodid, "isvprodid", 0, 0xffff),
    tcbLevels: fields
      .array(identity.tcbLevels, "tcbLevels", { min: 1 })
      .map((item, i): EnclaveIdentityTcbLevel => {
        const path = `tcbLevels[${i}]`;
        const level = fields.object(item, path);
        const tcb = fields.object(level.tcb, `${path}.tcb`);
        const status = fields.string(level.tcbStatus, `${path}.tcbStatus`);
        if (!isEnclaveIdentityStatus(status)) {
          return fields.fail(`${path}.tcbStatus`, `one of ${ENCLAVE_IDENTITY_STATUSES.join(", ")}`, status);
        }
        return {
          isvSvn: fields.integer(tcb.isvsvn, `${path}.tcb.isvsvn`, 0, 0xffff),
          tcbDate: fields.isoDateText(level.tcbDate, `${path}.tcbDate`),
          tcbStatus: status,
          advisoryIds: fields.optionalStrings(level.advisoryIDs, `${path}.advisoryIDs`),
        };
      }),
  };
}

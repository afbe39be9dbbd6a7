// Typed reading of a parsed JSON value of a fixed shape (Intel's TCB info and enclave identity):
// each accessor returns the field with its type or throws one sentence naming the field's path.
// A direct walk, because these objects are read on every cold verification.
import { AttestationFormatError } from "./errors.js";

export type JsonObject = Readonly<Record<string, unknown>>;

const ISO_UTC_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const HEX = /^[0-9a-fA-F]*$/;

/** What was found, shortly; containers are named, never serialised (they may be nested without end). */
function found(value: unknown): string {
  if (value === undefined) return "missing";
  if (Array.isArray(value)) return `got an array of ${value.length} items`;
  if (typeof value === "object" && value !== null) return "got an object";
  return `got ${JSON.stringify(value).slice(0, 40)}`;
}

export class JsonFields {
  /** `what` starts every error, e.g. "TCB info is not a TCB info v2 or v3 object". */
  constructor(private readonly what: string) {}

  fail(path: string, expected: string, value: unknown): never {
    throw new AttestationFormatError(`${this.what}: ${path} must be ${expected} (${found(value)})`);
  }

  /** A rule across fields: "<what>: <path> <why>". */
  invalid(path: string, why: string): never {
    throw new AttestationFormatError(`${this.what}: ${path} ${why}`);
  }

  object(value: unknown, path: string): JsonObject {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return this.fail(path, "an object", value);
    }
    return value as JsonObject;
  }

  array(value: unknown, path: string, length: { min?: number; exactly?: number }): readonly unknown[] {
    if (!Array.isArray(value)) return this.fail(path, "an array", value);
    if (length.exactly !== undefined && value.length !== length.exactly) {
      return this.fail(path, `an array of ${length.exactly} items`, `${value.length} items`);
    }
    if (length.min !== undefined && value.length < length.min) {
      return this.fail(path, `an array of at least ${length.min} item(s)`, `${value.length} items`);
    }
    return value;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== "string") return this.fail(path, "a string", value);
    return value;
  }

  /** An integer in min..max. */
  integer(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      return this.fail(path, `an integer in ${min}..${max}`, value);
    }
    return value;
  }

  /** Exactly `bytes` bytes of hex, as written (either case). */
  hex(value: unknown, path: string, bytes: number): string {
    if (typeof value !== "string" || value.length !== bytes * 2 || !HEX.test(value)) {
      return this.fail(path, `${bytes} bytes of hex`, value);
    }
    return value;
  }

  /** The text of an ISO 8601 UTC date ("2023-05-30T00:45:00Z"). */
  isoDateText(value: unknown, path: string): string {
    if (typeof value !== "string" || !ISO_UTC_DATE.test(value) || Number.isNaN(Date.parse(value))) {
      return this.fail(path, "an ISO 8601 UTC date", value);
    }
    return value;
  }

  isoDate(value: unknown, path: string): Date {
    return new Date(this.isoDateText(value, path));
  }

  /** An optional array of strings (absent → empty). */
  optionalStrings(value: unknown, path: string): string[] {
    if (value === undefined) return [];
    const list = this.array(value, path, {});
    for (let i = 0; i < list.length; i++) this.string(list[i], `${path}[${i}]`);
    return list.slice() as string[];
  }
}

// The configuration payload the code provider's secrets travel in: `run` posts it to the
// enclave's configuration server, which parses it here before touching any of it.
import { z } from "zod";

/** Largest accepted request body, in bytes (the configuration server answers 413 above it). */
export const CONFIGURATION_PAYLOAD_MAX_BYTES = 1024 * 1024;

const base64url = /^[A-Za-z0-9_-]*={0,2}$/;
const hexKey = /^[0-9a-fA-F]{64}$/;

/** The wire format (`uuid`, `app_secrets`, `app_sealed_secrets`, `code_secret_key`). Unknown fields are refused. */
export const configurationPayloadSchema = z.strictObject({
  uuid: z.uuid(),
  // JSON.parse made it, so it is JSON: z.json() would check every value again (half a second for
  // the million zeros a 1 MiB body can hold).
  app_secrets: z.custom<z.core.util.JSONType>(() => true).optional(),
  app_sealed_secrets: z.string().min(1).regex(base64url).optional(),
  code_secret_key: z.string().regex(hexKey).optional(),
});

export type ConfigurationPayloadJson = z.infer<typeof configurationPayloadSchema>;

/** What the enclave works with once the payload is parsed. */
export interface ConfigurationPayload {
  uuid: string;
  /** Any JSON value; written as JSON to the file at `SECRETS_PATH`. */
  appSecrets?: z.core.util.JSONType;
  /** The sealed box, still sealed to the enclave's X25519 key. */
  appSealedSecrets?: Uint8Array;
  /** 32-byte key of `--encrypt`ed code files. */
  codeSecretKey?: Uint8Array;
}

/** A payload that cannot be accepted; `status` is the HTTP status the server answers with. */
export class ConfigurationPayloadError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 401,
    /** The same sentence without anything taken from the request, for logs. */
    readonly logMessage: string = message,
  ) {
    super(message);
    this.name = "ConfigurationPayloadError";
  }
}

/** Deepest nesting of arrays and objects accepted in a payload (secrets are records, not trees). */
export const MAX_NESTING = 64;

/** Is any array or object in `value` more than `max` levels deep? Iterative: the input may be nested without end. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  const containers: object[] = [value];
  const depths: number[] = [0];
  while (containers.length > 0) {
    const container = containers.pop()!;
    const depth = depths.pop()!;
    if (depth >= max) return true;
    for (const child of Array.isArray(container) ? container : Object.values(container)) {
      if (typeof child === "object" && child !== null) {
        containers.push(child as object);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/**
 * Parses a request body. Checks the uuid before anything else, so a caller without the right
 * uuid learns nothing about the rest. Messages name fields, never their values.
 */
export function parseConfigurationPayload(body: string, expectedUuid: string): ConfigurationPayload {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new ConfigurationPayloadError("the configuration payload is not valid JSON", 400);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ConfigurationPayloadError("the configuration payload must be a JSON object", 400);
  }
  if (nestedDeeperThan(json, MAX_NESTING)) {
    // zod's JSON check and JSON.stringify recurse: refuse before either sees it.
    throw new ConfigurationPayloadError(
      `the configuration payload is nested deeper than ${MAX_NESTING} levels`,
      400,
    );
  }
  const uuid = (json as Record<string, unknown>).uuid;
  if (typeof uuid !== "string") {
    throw new ConfigurationPayloadError("the configuration payload has no uuid", 400);
  }
  if (uuid.toLowerCase() !== expectedUuid.toLowerCase()) {
    throw new ConfigurationPayloadError("the uuid does not match this enclave's id", 401);
  }
  const parsed = configurationPayloadSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join(".") : "payload";
    const what =
      issue?.code === "unrecognized_keys" ? `unknown field(s) ${issue.keys.join(", ")}` : `invalid ${field}`;
    const unknownFields = issue?.code === "unrecognized_keys";
    throw new ConfigurationPayloadError(
      `the configuration payload has an ${what}`,
      400,
      unknownFields ? "the configuration payload has unknown fields" : undefined,
    );
  }
  const data = parsed.data;
  const payload: ConfigurationPayload = { uuid: data.uuid };
  if (data.app_secrets !== undefined) payload.appSecrets = data.app_secrets;
  if (data.app_sealed_secrets !== undefined) {
    payload.appSealedSecrets = new Uint8Array(Buffer.from(data.app_sealed_secrets, "base64url"));
  }
  if (data.code_secret_key !== undefined) {
    payload.codeSecretKey = new Uint8Array(Buffer.from(data.code_secret_key, "hex"));
  }
  return payload;
}

/** Builds the JSON body `run` posts (the inverse of `parseConfigurationPayload`). */
export function serializeConfigurationPayload(payload: ConfigurationPayload): string {
  const json: ConfigurationPayloadJson = { uuid: payload.uuid };
  if (payload.appSecrets !== undefined) json.app_secrets = payload.appSecrets;
  if (payload.appSealedSecrets !== undefined) {
    json.app_sealed_secrets = Buffer.from(payload.appSealedSecrets).toString("base64url");
  }
  if (payload.codeSecretKey !== undefined) {
    if (payload.codeSecretKey.length !== 32) throw new Error("the code secret key must be 32 bytes");
    json.code_secret_key = Buffer.from(payload.codeSecretKey).toString("hex");
  }
  return JSON.stringify(json);
}

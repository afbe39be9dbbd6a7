import { describe, expect, it } from "vitest";
import {
  ConfigurationPayloadError,
  parseConfigurationPayload,
  serializeConfigurationPayload,
} from "./configurationPayload.js";

const ID = "0a7d1f04-5a0e-4e8a-9c3e-2b1f6f1f7c11";

function refusal(body: string, uuid = ID): ConfigurationPayloadError {
  try {
    parseConfigurationPayload(body, uuid);
  } catch (error) {
    if (error instanceof ConfigurationPayloadError) return error;
    throw error;
  }
  throw new Error("the payload was accepted");
}

describe("configuration payload", () => {
  it("round-trips every field, turning encoded values into bytes", () => {
    const key = new Uint8Array(32).fill(7);
    const sealed = new Uint8Array([250, 251, 252, 0, 1]);
    const body = serializeConfigurationPayload({
      uuid: ID,
      appSecrets: { api: { token: "t" } },
      appSealedSecrets: sealed,
      codeSecretKey: key,
    });
    const json = JSON.parse(body) as Record<string, string>;
    expect(json.app_sealed_secrets).toBe(Buffer.from(sealed).toString("base64url"));
    expect(json.code_secret_key).toBe("07".repeat(32));
    const parsed = parseConfigurationPayload(body, ID);
    expect(parsed.appSecrets).toEqual({ api: { token: "t" } });
    expect(parsed.appSealedSecrets).toEqual(sealed);
    expect(parsed.codeSecretKey).toEqual(key);
  });

  it("accepts a payload with only the uuid, compared case-insensitively", () => {
    expect(parseConfigurationPayload(JSON.stringify({ uuid: ID.toUpperCase() }), ID)).toEqual({
      uuid: ID.toUpperCase(),
    });
  });

  it("answers 401 for another uuid before looking at the rest", () => {
    const error = refusal(
      JSON.stringify({ uuid: "11111111-2222-4333-8444-555555555555", code_secret_key: 5 }),
    );
    expect(error.status).toBe(401);
  });

  it.each([
    ["not JSON", "{uuid:", "not valid JSON"],
    ["an array", "[]", "must be a JSON object"],
    ["no uuid", "{}", "has no uuid"],
    ["a short key", JSON.stringify({ uuid: ID, code_secret_key: "abcd" }), "invalid code_secret_key"],
    [
      "a non-base64url box",
      JSON.stringify({ uuid: ID, app_sealed_secrets: "a+b/" }),
      "invalid app_sealed_secrets",
    ],
    ["an unknown field", JSON.stringify({ uuid: ID, extra: 1 }), "unknown field(s) extra"],
  ])("answers 400 for %s", (_name, body, message) => {
    const error = refusal(body);
    expect(error.status).toBe(400);
    expect(error.message).toContain(message);
  });

  it("never echoes a secret value in its refusal", () => {
    const secret = "deadbeef".repeat(7) + "zz";
    const error = refusal(JSON.stringify({ uuid: ID, code_secret_key: secret }));
    expect(error.message).not.toContain("deadbeef");
  });

  // Found by fuzzing: app_secrets nested thousands deep overflowed the stack in zod's JSON check.
  it("refuses a payload nested deeper than 64 levels with a 400", () => {
    const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
    const deep = refusal(`{"uuid":"${ID}","app_secrets":${nested(20_000)}}`);
    expect(deep.status).toBe(400);
    expect(deep.message).toBe("the configuration payload is nested deeper than 64 levels");
    expect(
      parseConfigurationPayload(`{"uuid":"${ID}","app_secrets":${nested(63)}}`, ID).appSecrets,
    ).toBeDefined();
    expect(refusal(`{"uuid":"${ID}","app_secrets":${nested(64)}}`).status).toBe(400);
  });

  it("accepts any JSON value as app_secrets, large ones included", () => {
    const zeros = new Array<number>(500_000).fill(0);
    const payload = parseConfigurationPayload(JSON.stringify({ uuid: ID, app_secrets: { zeros } }), ID);
    expect((payload.appSecrets as { zeros: number[] }).zeros).toHaveLength(500_000);
  });
});

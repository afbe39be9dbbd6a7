// Fernet against the specification's own vectors (generate, verify, invalid), plus round trips and key checks.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fernetDecrypt, fernetEncrypt, generateFernetKey, parseFernetKey } from "./fernet.js";
import { DecryptionError, InvalidKeyError } from "./errors.js";

interface GenerateVector {
  token: string;
  now: string;
  iv: number[];
  src: string;
  secret: string;
}
interface VerifyVector {
  token: string;
  now: string;
  ttl_sec: number;
  src: string;
  secret: string;
}
interface InvalidVector {
  desc: string;
  token: string;
  now: string;
  ttl_sec: number;
  secret: string;
}

/** The Fernet specification's vectors, kept in test/vectors. */
const VECTORS = path.join(fileURLToPath(new URL("../..", import.meta.url)), "test", "vectors", "fernet");
const readVectorJson = <T>(file: string): T =>
  JSON.parse(readFileSync(path.join(VECTORS, file), "utf8")) as T;

const generate = readVectorJson<GenerateVector[]>("generate.json");
const verify = readVectorJson<VerifyVector[]>("verify.json");
const invalid = readVectorJson<InvalidVector[]>("invalid.json");
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("Fernet specification vectors", () => {
  it("has vectors to check", () => {
    expect(generate.length).toBeGreaterThan(0);
    expect(verify.length).toBeGreaterThan(0);
    expect(invalid.length).toBeGreaterThan(0);
  });

  it.each(generate.map((v) => [v.src, v] as const))("generate: %s", (_src, v) => {
    const token = fernetEncrypt(v.secret, new TextEncoder().encode(v.src), {
      now: new Date(v.now),
      iv: new Uint8Array(v.iv),
    });
    expect(token).toBe(v.token);
  });

  it.each(verify.map((v) => [v.src, v] as const))("verify: %s", (_src, v) => {
    expect(text(fernetDecrypt(v.secret, v.token, { ttlSeconds: v.ttl_sec, now: new Date(v.now) }))).toBe(
      v.src,
    );
  });

  it.each(invalid.map((v) => [v.desc, v] as const))("invalid: %s", (_desc, v) => {
    expect(() => fernetDecrypt(v.secret, v.token, { ttlSeconds: v.ttl_sec, now: new Date(v.now) })).toThrow(
      DecryptionError,
    );
  });

  it("says why the expired and far-future tokens are refused", () => {
    const reasons = Object.fromEntries(
      invalid.map((v) => {
        try {
          fernetDecrypt(v.secret, v.token, { ttlSeconds: v.ttl_sec, now: new Date(v.now) });
          return [v.desc, "accepted"];
        } catch (error) {
          return [v.desc, (error as DecryptionError).reason];
        }
      }),
    );
    expect(reasons["expired TTL"]).toBe("expired");
    expect(reasons["far-future TS (unacceptable clock skew)"]).toBe("future");
    expect(reasons["incorrect mac"]).toBe("authentication");
    expect(reasons["invalid base64"]).toBe("malformed");
  });
});

describe("Fernet", () => {
  it("round-trips with a generated key and checks no time without a TTL", () => {
    const key = generateFernetKey();
    expect(parseFernetKey(key)).toHaveLength(32);
    const token = fernetEncrypt(key, new TextEncoder().encode("result"), {
      now: new Date("2001-01-01T00:00:00Z"),
    });
    expect(text(fernetDecrypt(key, token))).toBe("result");
    expect(() => fernetDecrypt(key, token, { ttlSeconds: 60 })).toThrow(/older than/);
  });

  it("accepts a token and key with surrounding whitespace (as read from files)", () => {
    const key = generateFernetKey();
    const token = fernetEncrypt(key, new Uint8Array([1, 2, 3]));
    expect(fernetDecrypt(`${key}\n`, `${token}\r\n`)).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("refuses a token under another key", () => {
    const token = fernetEncrypt(generateFernetKey(), new Uint8Array(10));
    expect(() => fernetDecrypt(generateFernetKey(), token)).toThrow(/HMAC does not match/);
  });

  it("refuses keys that are not url-safe base64 of 32 bytes, without echoing them", () => {
    expect(() => parseFernetKey("c2hvcnQ=")).toThrow(InvalidKeyError);
    expect(() => parseFernetKey("not base64 at all!")).toThrow(/url-safe base64/);
    const standard = Buffer.alloc(32, 0xfb).toString("base64"); // contains "+" and "/"
    expect(() => parseFernetKey(standard)).toThrow(InvalidKeyError);
    try {
      parseFernetKey("c2hvcnQ=");
    } catch (error) {
      expect((error as Error).message).not.toContain("c2hvcnQ");
    }
  });
});

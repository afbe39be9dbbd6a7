// An SSH engine's host key must be the one known_hosts lists for it, as `ssh` requires.
import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkHostKey, knownHostName, parseKnownHosts, patternsMatch } from "./knownHosts.js";

const KEY = randomBytes(51);
const OTHER = randomBytes(51);
const b64 = (key: Buffer): string => key.toString("base64");

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update(name).digest("base64")}`;
}

describe("known_hosts", () => {
  it("looks hosts up by name on port 22 and by [name]:port elsewhere", () => {
    expect(knownHostName("sgx-1", 22)).toBe("sgx-1");
    expect(knownHostName("10.0.0.7", 2222)).toBe("[10.0.0.7]:2222");
  });

  it("matches plain, wildcard, negated and hashed patterns", () => {
    expect(patternsMatch("sgx-1,sgx-2", "sgx-2")).toBe(true);
    expect(patternsMatch("*.example.org", "sgx-1.example.org")).toBe(true);
    expect(patternsMatch("*.example.org,!bad.example.org", "bad.example.org")).toBe(false);
    expect(patternsMatch("sgx-?", "sgx-10")).toBe(false);
    expect(patternsMatch(hashed("[10.0.0.7]:2222"), "[10.0.0.7]:2222")).toBe(true);
    expect(patternsMatch(hashed("[10.0.0.7]:2222"), "10.0.0.7")).toBe(false);
  });

  it("accepts the listed key and refuses another, an unlisted host and a revoked key", () => {
    const lines = parseKnownHosts(
      [
        "# comment",
        "",
        `sgx-1 ssh-ed25519 ${b64(KEY)}`,
        `${hashed("[sgx-2]:2222")} ssh-ed25519 ${b64(KEY)} comment`,
        `@revoked sgx-3 ssh-ed25519 ${b64(OTHER)}`,
        `sgx-3 ssh-ed25519 ${b64(OTHER)}`,
        "broken-line",
      ].join("\n"),
    );
    expect(lines).toHaveLength(4);
    expect(checkHostKey(lines, "sgx-1", 22, KEY)).toEqual({ ok: true });
    expect(checkHostKey(lines, "sgx-2", 2222, KEY)).toEqual({ ok: true });
    expect(checkHostKey(lines, "sgx-1", 22, OTHER)).toEqual({
      ok: false,
      reason:
        "the host key of sgx-1 differs from the one in known_hosts (a changed host or a man in the middle)",
    });
    expect(checkHostKey(lines, "sgx-1", 2222, KEY)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^\[sgx-1\]:2222 is not in known_hosts/),
    });
    expect(checkHostKey(lines, "sgx-3", 22, OTHER)).toEqual({
      ok: false,
      reason: "the host key of sgx-3 is marked @revoked in known_hosts",
    });
  });
});

import { describe, expect, it } from "vitest";
import { AttestationFormatError } from "./errors.js";
import { parseQcnlConfig, stripJsonComments } from "./qcnl.js";

describe("parseQcnlConfig", () => {
  it("reads the JSON-with-comments format of DCAP 1.15+", () => {
    const text = `{
  // PCCS server address
  "pccs_url": "https://localhost:8081/sgx/certification/v4/",
  // To accept insecure HTTPS certificate, set this option to false
  "use_secure_cert": false, /* block comment */
  "retry_times": 6
}`;
    expect(parseQcnlConfig(text)).toEqual({
      pccsUrl: "https://localhost:8081/sgx/certification/v4/",
      useSecureCert: false,
    });
  });

  it("keeps // inside strings", () => {
    expect(stripJsonComments('{"a":"https://x//y"} // c')).toBe('{"a":"https://x//y"} \n');
  });

  it("reads the older KEY=VALUE format", () => {
    const text =
      "# PCCS server address\nPCCS_URL=https://localhost:8081/sgx/certification/v3/\nUSE_SECURE_CERT=FALSE\n";
    expect(parseQcnlConfig(text)).toEqual({
      pccsUrl: "https://localhost:8081/sgx/certification/v3/",
      useSecureCert: false,
    });
  });

  it("defaults to a checked certificate and no URL", () => {
    expect(parseQcnlConfig("{}")).toEqual({ pccsUrl: undefined, useSecureCert: true });
  });

  it("names a broken file", () => {
    expect(() => parseQcnlConfig('{"pccs_url": }', "/etc/sgx_default_qcnl.conf")).toThrow(
      "/etc/sgx_default_qcnl.conf is not valid JSON (after removing comments)",
    );
    expect(() => parseQcnlConfig('{"pccs_url": 3}')).toThrow(/pccs_url must be a string/);
  });

  // Found by fuzzing: use_secure_cert nested thousands deep overflowed the stack in String().
  it("refuses a use_secure_cert that is neither a boolean, a number nor a string", () => {
    const deep = `${"[".repeat(20_000)}${"]".repeat(20_000)}`;
    expect(() => parseQcnlConfig(`{"pccs_url":"https://p:8081","use_secure_cert":${deep}}`)).toThrow(
      /use_secure_cert must be true or false/,
    );
    expect(() => parseQcnlConfig('{"use_secure_cert":{}}')).toThrow(AttestationFormatError);
  });
});

import { describe, expect, it } from "vitest";
import { AttestationFormatError } from "./errors.js";
import { parseSignedJson, topLevelMembers } from "./signedJson.js";
import { vectorEvidence } from "./testing/msehomeEvidence.js";

describe("parseSignedJson", () => {
  const { collateral } = vectorEvidence();

  it("cuts the exact signed text out of the PCCS body", () => {
    const signed = parseSignedJson(collateral.tcb_info, "tcbInfo", "TCB info");
    expect(collateral.tcb_info.startsWith(`{"tcbInfo":${signed.signedText},"signature":"`)).toBe(true);
    expect(signed.signature).toHaveLength(64);
    expect((signed.value as { fmspc: string }).fmspc).toBe("30606A000000");
  });

  it("keeps whitespace and member order as served (no re-serialisation)", () => {
    const body = '{ "signature" : "' + "ab".repeat(64) + '" ,\n "enclaveIdentity" : {"b": 1,  "a":"x\\"}"} }';
    const signed = parseSignedJson(body, "enclaveIdentity", "QE identity");
    expect(signed.signedText).toBe('{"b": 1,  "a":"x\\"}"}');
    expect(signed.value).toEqual({ b: 1, a: 'x"}' });
  });

  it("gives the same result for the served layout and for any other layout", () => {
    const sig = "cd".repeat(64);
    const inner = '{"a":[1,{"b":"}"}],"c":"x\\"y"}';
    const expected = { signedText: inner, value: JSON.parse(inner) as unknown };
    for (const body of [
      `{"tcbInfo":${inner},"signature":"${sig}"}`, // as PCCS serves it
      `{"signature":"${sig}","tcbInfo":${inner}}`,
      `{"tcbInfo": ${inner} ,"signature":"${sig}"}`, // whitespace is not part of the signed text
      `{"tcbInfo":${inner},"note":1,"signature":"${sig}"}`,
    ]) {
      const signed = parseSignedJson(body, "tcbInfo", "TCB info");
      expect({ signedText: signed.signedText, value: signed.value }, body).toEqual(expected);
      expect(Buffer.from(signed.signature).toString("hex")).toBe(sig);
    }
  });

  it("does not mistake two members for one in a served-like layout", () => {
    const sig = "cd".repeat(64);
    expect(() => parseSignedJson(`{"tcbInfo":{"a":1}x,"signature":"${sig}"}`, "tcbInfo", "TCB info")).toThrow(
      /TCB info is not a JSON object/,
    );
    expect(() =>
      parseSignedJson(`{"tcbInfo":{"a":1},"tcbInfo":{"b":2},"signature":"${sig}"}`, "tcbInfo", "TCB info"),
    ).toThrow(/"tcbInfo" appears twice/);
  });

  it("names what is wrong", () => {
    expect(() => parseSignedJson('{"tcbInfo":{}}', "tcbInfo", "TCB info")).toThrow(
      'TCB info has no "signature" member',
    );
    expect(() => parseSignedJson('{"signature":"00"}', "tcbInfo", "TCB info")).toThrow(
      'TCB info has no "tcbInfo" member',
    );
    expect(() => parseSignedJson('{"tcbInfo":{},"signature":"00"}', "tcbInfo", "TCB info")).toThrow(
      /signature must be 64 bytes of hex/,
    );
    expect(() => topLevelMembers("[1]", "body")).toThrow(/does not start with \{/);
    expect(() => topLevelMembers('{"a":1} x', "body")).toThrow(/unexpected text after the object/);
    expect(() => topLevelMembers('{"a":{"b":1', "body")).toThrow(/unterminated value/);
    expect(() => topLevelMembers('{"a":1,"a":2}', "body")).toThrow(/"a" appears twice/);
  });

  // Found by fuzzing: a member name that is not a valid JSON string (a raw control character, a
  // bad escape) escaped as JSON.parse's SyntaxError.
  it.each([['{"tcb\u0001Info":{}}'], ['{"\\x":{}}'], ['{"\\ud8":{}}']])(
    "refuses the member name in %j as a format error",
    (body) => {
      expect(() => parseSignedJson(body, "tcbInfo", "TCB info")).toThrow(AttestationFormatError);
      expect(() => parseSignedJson(body, "tcbInfo", "TCB info")).toThrow(/is not a valid JSON string/);
    },
  );
});

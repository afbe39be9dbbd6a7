import { describe, expect, it } from "vitest";
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
});

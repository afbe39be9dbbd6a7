import { describe, expect, it } from "vitest";
import { parseEnclaveIdentity } from "./enclaveIdentity.js";
import { parseSignedJson } from "./signedJson.js";
import { vectorEvidence } from "./testing/msehomeEvidence.js";

const served = parseSignedJson(vectorEvidence().collateral.qe_identity, "enclaveIdentity", "QE identity")
  .value as Record<string, unknown>;

describe("parseEnclaveIdentity", () => {
  it("reads the served QE identity of the vector", () => {
    const identity = parseEnclaveIdentity(served);
    expect(identity).toMatchObject({ id: "QE", version: 2, isvProdId: 1 });
    expect(identity.issueDate.toISOString()).toBe("2023-06-20T00:24:02.000Z");
    expect(Buffer.from(identity.mrsigner).toString("hex")).toBe(String(served.mrsigner).toLowerCase());
    expect(identity.attributes).toHaveLength(16);
    expect(identity.tcbLevels[0]!.isvSvn).toBeGreaterThan(0);
  });

  it("reads MISCSELECT hex as the report's little-endian bytes", () => {
    const identity = parseEnclaveIdentity({ ...served, miscselect: "01000000", miscselectMask: "FFFFFFFE" });
    expect(identity.miscselect).toBe(1);
    expect(identity.miscselectMask).toBe(0xfeffffff);
  });

  it("names the field that is wrong", () => {
    const cases: Array<[unknown, string]> = [
      [[], "enclaveIdentity must be an object"],
      [{ ...served, id: "XE" }, "id must be one of QE, QVE, TD_QE"],
      [{ ...served, version: 3 }, "version must be 2"],
      [{ ...served, issueDate: undefined }, "issueDate must be an ISO 8601 UTC date (missing)"],
      [{ ...served, attributesMask: "00" }, "attributesMask must be 16 bytes of hex"],
      [{ ...served, isvprodid: 65536 }, "isvprodid must be an integer in 0..65535"],
      [{ ...served, tcbLevels: {} }, "tcbLevels must be an array"],
      [
        { ...served, tcbLevels: [{ tcb: {}, tcbDate: "2023-01-01T00:00:00Z", tcbStatus: "UpToDate" }] },
        "tcbLevels[0].tcb.isvsvn must be",
      ],
    ];
    for (const [value, message] of cases) {
      expect(() => parseEnclaveIdentity(value), message).toThrow(
        `QE identity is not an enclave identity v2 object: ${message}`,
      );
    }
  });

  // Found by fuzzing: a value nested thousands deep made the error message overflow the stack.
  it("names a deeply nested value instead of serialising it", () => {
    const deep = JSON.parse(`${'{"a":'.repeat(20_000)}0${"}".repeat(20_000)}`) as unknown;
    expect(() => parseEnclaveIdentity({ ...served, mrsigner: deep })).toThrow(
      /mrsigner must be 32 bytes of hex \(got an object\)/,
    );
  });
});

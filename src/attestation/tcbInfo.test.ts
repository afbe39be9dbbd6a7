import { describe, expect, it } from "vitest";
import { parseTcbInfo } from "./tcbInfo.js";
import { parseSignedJson } from "./signedJson.js";
import { vectorEvidence, VECTOR_ADVISORIES } from "./testing/msehomeEvidence.js";

const served = parseSignedJson(vectorEvidence().collateral.tcb_info, "tcbInfo", "TCB info").value as Record<
  string,
  unknown
>;

const v2 = {
  version: 2,
  issueDate: "2021-01-01T00:00:00Z",
  nextUpdate: "2021-02-01T00:00:00.123Z",
  fmspc: "00906ED50000",
  pceId: "0000",
  tcbType: 0,
  tcbEvaluationDataNumber: 8,
  tcbLevels: [
    {
      tcb: {
        ...Object.fromEntries(
          Array.from({ length: 16 }, (_, i) => [`sgxtcbcomp${String(i + 1).padStart(2, "0")}svn`, i]),
        ),
        pcesvn: 10,
      },
      tcbDate: "2020-11-11T00:00:00Z",
      tcbStatus: "SWHardeningNeeded",
      advisoryIDs: ["INTEL-SA-00334"],
    },
  ],
};

describe("parseTcbInfo", () => {
  it("reads the served v3 TCB info of the vector", () => {
    const info = parseTcbInfo(served);
    expect(info).toMatchObject({ id: "SGX", version: 3, fmspc: "30606a000000", pceId: "0000", tcbType: 0 });
    expect(info.issueDate.toISOString()).toBe("2023-05-30T00:45:00.000Z");
    expect(info.tcbEvaluationDataNumber).toBe(15);
    expect(info.tcbLevels[0]!.componentSvns).toHaveLength(16);
    expect(info.tcbLevels[0]!.componentSvns.slice(0, 4)).toEqual([11, 11, 3, 3]);
    expect(info.tcbLevels[0]!.pceSvn).toBe(13);
    const advisories = new Set(info.tcbLevels.flatMap((l) => l.advisoryIds));
    expect(VECTOR_ADVISORIES.filter((id) => !advisories.has(id))).toEqual([]);
  });

  it("reads v2's sixteen named component SVNs in order", () => {
    const info = parseTcbInfo(v2);
    expect(info).toMatchObject({ id: "SGX", version: 2, fmspc: "00906ed50000" });
    expect(info.tcbLevels[0]).toEqual({
      componentSvns: Array.from({ length: 16 }, (_, i) => i),
      pceSvn: 10,
      tcbDate: "2020-11-11T00:00:00Z",
      tcbStatus: "SWHardeningNeeded",
      advisoryIds: ["INTEL-SA-00334"],
    });
  });

  it("ignores members it does not know, as Intel adds informative ones", () => {
    expect(parseTcbInfo({ ...v2, tdxModule: { x: 1 } }).version).toBe(2);
  });

  it("names the field that is wrong", () => {
    const level = (change: Record<string, unknown>): unknown => ({
      ...served,
      tcbLevels: [{ ...(served.tcbLevels as object[])[0], ...change }],
    });
    const cases: Array<[unknown, string]> = [
      ["not an object", "tcbInfo must be an object"],
      [{ ...served, version: 4 }, "version must be 2 or 3"],
      [{ ...served, id: 7 }, "id must be a string"],
      [{ ...served, issueDate: "2023-05-30" }, "issueDate must be an ISO 8601 UTC date"],
      [{ ...served, nextUpdate: "2023-13-45T00:00:00Z" }, "nextUpdate must be an ISO 8601 UTC date"],
      [{ ...served, fmspc: "30606A0000" }, "fmspc must be 6 bytes of hex"],
      [{ ...served, pceId: "zz00" }, "pceId must be 2 bytes of hex"],
      [{ ...served, tcbEvaluationDataNumber: -1 }, "tcbEvaluationDataNumber must be an integer in 0.."],
      [{ ...served, tcbLevels: [] }, "tcbLevels must be an array of at least 1 item(s)"],
      [level({ tcbStatus: 3 }), "tcbLevels[0].tcbStatus must be a string"],
      [level({ advisoryIDs: ["A", 1] }), "tcbLevels[0].advisoryIDs[1] must be a string"],
      [
        level({ tcb: { sgxtcbcomponents: [], pcesvn: 1 } }),
        "tcbLevels[0].tcb.sgxtcbcomponents must be an array of 16 items",
      ],
      [
        level({ tcb: { sgxtcbcomponents: Array(16).fill({ svn: 256 }), pcesvn: 1 } }),
        "tcbLevels[0].tcb.sgxtcbcomponents[0].svn must be an integer in 0..255",
      ],
      [
        level({ tcb: { sgxtcbcomponents: Array(16).fill({ svn: 1 }), pcesvn: 1.5 } }),
        "tcbLevels[0].tcb.pcesvn must be an integer in 0..65535",
      ],
      [
        { ...v2, tcbLevels: [{ ...v2.tcbLevels[0], tcb: { pcesvn: 1 } }] },
        "tcbLevels[0].tcb.sgxtcbcomp01svn must be",
      ],
    ];
    for (const [value, message] of cases) {
      expect(() => parseTcbInfo(value), message).toThrow(
        `TCB info is not a TCB info v2 or v3 object: ${message}`,
      );
    }
  });

  // Found by fuzzing: the error message serialised the faulty value, which overflowed the stack
  // when it was nested thousands deep (a RangeError instead of a format error).
  it("names a deeply nested value instead of serialising it", () => {
    const deep = JSON.parse(`${"[".repeat(20_000)}${"]".repeat(20_000)}`) as unknown;
    const level = { ...v2.tcbLevels[0]!, tcb: { ...v2.tcbLevels[0]!.tcb, pcesvn: deep } };
    expect(() => parseTcbInfo({ ...v2, tcbLevels: [level] })).toThrow(
      /tcbLevels\[0\]\.tcb\.pcesvn must be an integer in 0\.\.65535 \(got an array of 1 items\)/,
    );
  });
});

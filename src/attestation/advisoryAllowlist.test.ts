import { describe, expect, it } from "vitest";
import { normalizeAdvisoryId, parseAdvisoryAllowlist } from "./advisoryAllowlist.js";

describe("advisory IDs", () => {
  it("reads Intel's IDs in any case, and nothing else", () => {
    expect(normalizeAdvisoryId(" intel-sa-00615 ")).toBe("INTEL-SA-00615");
    expect(normalizeAdvisoryId("INTEL-DOC-0001")).toBe("INTEL-DOC-0001");
    for (const bad of ["SA-00615", "INTEL-SA-", "INTEL-SA-00615x", "", "INTEL SA 00615"]) {
      expect(normalizeAdvisoryId(bad), bad).toBeUndefined();
    }
  });
});

describe("the allowed advisories file", () => {
  it("takes IDs separated by newlines, commas or spaces, with # comments, each once", () => {
    const text =
      "# accepted after review\nINTEL-SA-00615, intel-sa-00657\n\n  INTEL-SA-00615 INTEL-SA-00767 # MMIO\r\n";
    expect(parseAdvisoryAllowlist(text, "allowed.txt")).toEqual([
      "INTEL-SA-00615",
      "INTEL-SA-00657",
      "INTEL-SA-00767",
    ]);
    expect(parseAdvisoryAllowlist("# nothing accepted\n", "empty.txt")).toEqual([]);
  });

  it("takes a JSON array of IDs", () => {
    expect(parseAdvisoryAllowlist(' ["INTEL-SA-00334", "intel-sa-00615"]\n', "allowed.json")).toEqual([
      "INTEL-SA-00334",
      "INTEL-SA-00615",
    ]);
  });

  it("names the file, the line or item, and the entry that is not an advisory ID", () => {
    expect(() => parseAdvisoryAllowlist("INTEL-SA-00615\nSA-00657\n", "allowed.txt")).toThrow(
      'allowed.txt line 2: "SA-00657" is not an Intel advisory ID (e.g. INTEL-SA-00615)',
    );
    expect(() => parseAdvisoryAllowlist('["INTEL-SA-00615", "x"]', "allowed.json")).toThrow(
      'allowed.json item 2: "x" is not an Intel advisory ID',
    );
    expect(() => parseAdvisoryAllowlist("[INTEL-SA-00615]", "allowed.json")).toThrow(
      "allowed.json starts like a JSON array but is not valid JSON",
    );
    expect(() => parseAdvisoryAllowlist("[1, 2]", "allowed.json")).toThrow(
      "allowed.json must be a JSON array of advisory IDs",
    );
  });
});

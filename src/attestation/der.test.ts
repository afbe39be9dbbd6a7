import { describe, expect, it } from "vitest";
import { decodeOid, decodeTime, readRoot, TAG_GENERALIZED_TIME, TAG_UTC_TIME, valueOf } from "./der.js";
import { oid, tlv } from "./testing/derWriter.js";

const timeElement = (tag: number, text: string): Date => {
  const bytes = tlv(tag, new TextEncoder().encode(text));
  return decodeTime(bytes, readRoot(bytes, "time"), "validity");
};

describe("decodeTime", () => {
  it("reads UTCTime with RFC 5280's century pivot and GeneralizedTime", () => {
    expect(timeElement(TAG_UTC_TIME, "180521104510Z").toISOString()).toBe("2018-05-21T10:45:10.000Z");
    expect(timeElement(TAG_UTC_TIME, "491231235959Z").toISOString()).toBe("2049-12-31T23:59:59.000Z");
    expect(timeElement(TAG_UTC_TIME, "500101000000Z").toISOString()).toBe("1950-01-01T00:00:00.000Z");
    expect(timeElement(TAG_GENERALIZED_TIME, "20500101000000Z").toISOString()).toBe(
      "2050-01-01T00:00:00.000Z",
    );
  });

  it("refuses anything but DER's digits-and-Z forms, quoting the text", () => {
    for (const [tag, text] of [
      [TAG_UTC_TIME, "1805211045Z"], // no seconds
      [TAG_UTC_TIME, "180521104510+0100"],
      [TAG_UTC_TIME, "18052110451aZ"],
      [TAG_GENERALIZED_TIME, "180521104510Z"], // two-digit year in a GeneralizedTime
      [TAG_GENERALIZED_TIME, "20180521104510.5Z"],
      [0x04, "180521104510Z"],
    ] as const) {
      expect(() => timeElement(tag, text), text).toThrow(`validity: "${text}" is not a DER time`);
    }
  });
});

describe("decodeOid", () => {
  it("reads first arcs and multi-byte sub-identifiers", () => {
    for (const dotted of ["1.2.840.113741.1.13.1.2.17", "2.5.29.19", "0.9.2342"]) {
      const bytes = oid(dotted);
      expect(decodeOid(valueOf(bytes, readRoot(bytes, "oid")))).toBe(dotted);
    }
    // 2.999: the first sub-identifier 80 + 999 = 1079 takes two bytes.
    expect(decodeOid(Uint8Array.of(0x88, 0x37, 0x01))).toBe("2.999.1");
  });
});

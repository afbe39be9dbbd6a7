// The SGX extension encoder reproduces Intel's bytes exactly and refuses malformed values.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { describe, expect, it } from "vitest";
import { parseSgxExtensionValue } from "../attestation/pck.js";
import { vectorText } from "../attestation/testing/vectors.js";
import {
  SGX_EXTENSION_OID,
  encodeSgxExtension,
  type SgxExtensionFields,
  type SgxType,
} from "./sgxExtension.js";

const realPck = new x509.X509Certificate(vectorText("intel-sgx-ra-pck-cert.pem"));
const realExtensionValue = new Uint8Array(realPck.getExtension(SGX_EXTENSION_OID)!.value);

function fieldsOf(der: Uint8Array): SgxExtensionFields {
  const parsed = parseSgxExtensionValue(der);
  const sgxType = {
    Standard: "standard",
    Scalable: "scalable",
    ScalableWithIntegrity: "scalableWithIntegrity",
  }[parsed.sgxType] as SgxType;
  const c = parsed.configuration;
  return {
    ppid: parsed.ppid,
    tcb: { components: parsed.tcb.componentSvns, pceSvn: parsed.tcb.pceSvn, cpuSvn: parsed.tcb.cpuSvn },
    pceId: parsed.pceId,
    fmspc: parsed.fmspc,
    sgxType,
    ...(parsed.platformInstanceId ? { platformInstanceId: parsed.platformInstanceId } : {}),
    ...(c
      ? {
          configuration: {
            dynamicPlatform: c.dynamicPlatform ?? false,
            cachedKeys: c.cachedKeys ?? false,
            smtEnabled: c.smtEnabled ?? false,
          },
        }
      : {}),
  };
}

describe("encodeSgxExtension", () => {
  it("re-encodes a real Intel PCK certificate's extension to the very same bytes", () => {
    const fields = fieldsOf(realExtensionValue);
    // The vector is a Platform CA certificate: all optional members are present and exercised.
    expect(fields.platformInstanceId).toBeDefined();
    expect(fields.configuration).toBeDefined();
    expect(Buffer.from(encodeSgxExtension(fields)).equals(Buffer.from(realExtensionValue))).toBe(true);
  });

  it("round-trips values through the attestation parser, including two-byte INTEGERs", () => {
    const fields: SgxExtensionFields = {
      ppid: Uint8Array.from({ length: 16 }, (_, i) => i),
      tcb: {
        components: [255, 128, 127, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 200],
        pceSvn: 65535,
        cpuSvn: Uint8Array.from({ length: 16 }, (_, i) => 255 - i),
      },
      pceId: Uint8Array.from([0x12, 0x34]),
      fmspc: Uint8Array.from([0x53, 0x49, 0x4d, 0, 0, 1]),
      sgxType: "standard",
    };
    const parsed = parseSgxExtensionValue(encodeSgxExtension(fields));
    expect(parsed.tcb.componentSvns).toEqual(fields.tcb.components);
    expect(parsed.tcb.pceSvn).toBe(65535);
    expect(Buffer.from(parsed.tcb.cpuSvn).equals(Buffer.from(fields.tcb.cpuSvn))).toBe(true);
    expect(Buffer.from(parsed.fmspc).toString("hex")).toBe("53494d000001");
    expect(parsed.sgxType).toBe("Standard");
    expect(parsed.platformInstanceId).toBeUndefined();
    expect(parsed.configuration).toBeUndefined();
  });

  it("refuses wrong lengths and out-of-range SVNs, naming the field", () => {
    const good = fieldsOf(realExtensionValue);
    expect(() => encodeSgxExtension({ ...good, fmspc: new Uint8Array(5) })).toThrow(/FMSPC must be 6 bytes/);
    expect(() => encodeSgxExtension({ ...good, tcb: { ...good.tcb, components: [1, 2] } })).toThrow(
      /16 components/,
    );
    expect(() => encodeSgxExtension({ ...good, tcb: { ...good.tcb, pceSvn: 70000 } })).toThrow(/PCESVN/);
    const components = [...good.tcb.components];
    components[3] = 256;
    expect(() => encodeSgxExtension({ ...good, tcb: { ...good.tcb, components } })).toThrow(/component 4/);
  });
});

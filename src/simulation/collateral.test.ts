// Simulated collateral has the exact shape of Intel's, is signed over the bytes served, and is current when made.
import "reflect-metadata";
import { X509Certificate, verify } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { describe, expect, it } from "vitest";
import { vectorText } from "../attestation/testing/vectors.js";
import { pckCrl, qeIdentityBody, revokedPcks, rootCaCrl, tcbInfoBody } from "./collateral.js";
import type { Platform } from "./platform.js";
import { SIMULATION_PCK_PLATFORM_CA_PEM, SIMULATION_ROOT_CA_PEM, SIMULATION_TCB_SIGNING_PEM } from "./pki.js";
import { SIMULATED_QE } from "./quotingEnclaveIdentity.js";
import { SIMULATION_FMSPC, TCB_LEVELS } from "./tcbLevels.js";

const evidence = JSON.parse(vectorText("mse-home-evidence.json")) as {
  tcb_info: string;
  qe_identity: string;
};
// The vector's quirk: tcb_info is base64 of the hex of the body; qe_identity is base64 of the body.
const intelTcbInfo = JSON.parse(
  Buffer.from(Buffer.from(evidence.tcb_info, "base64").toString(), "hex").toString(),
);
const intelQeIdentity = JSON.parse(Buffer.from(evidence.qe_identity, "base64").toString());

const now = new Date("2026-03-04T05:06:07.890Z");
const signer = new X509Certificate(SIMULATION_TCB_SIGNING_PEM);

/** The signed member's exact text and the signature, split the way a verifier must split a served body. */
function signedPart(body: string, member: string): { text: string; signature: Buffer } {
  const prefix = `{"${member}":`;
  const cut = body.lastIndexOf(',"signature":"');
  expect(body.startsWith(prefix)).toBe(true);
  return { text: body.slice(prefix.length, cut), signature: Buffer.from(JSON.parse(body).signature, "hex") };
}

const keyShape = (value: unknown): unknown =>
  Array.isArray(value)
    ? keyShape(value[0])
    : value && typeof value === "object"
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, keyShape(v)]))
      : typeof value;

describe("tcbInfoBody", () => {
  const body = tcbInfoBody(now);

  it("is signed by the TCB signing key over the exact bytes of the tcbInfo member", () => {
    const { text, signature } = signedPart(body, "tcbInfo");
    expect(signature).toHaveLength(64);
    expect(
      verify("sha256", Buffer.from(text), { key: signer.publicKey, dsaEncoding: "ieee-p1363" }, signature),
    ).toBe(true);
    const tampered = text.replace('"UpToDate"', '"UpToDatf"');
    expect(
      verify(
        "sha256",
        Buffer.from(tampered),
        { key: signer.publicKey, dsaEncoding: "ieee-p1363" },
        signature,
      ),
    ).toBe(false);
  });

  it("has the fields, in the order, of Intel's TCB info v3", () => {
    const ours = JSON.parse(body);
    expect(Object.keys(ours.tcbInfo)).toEqual(Object.keys(intelTcbInfo.tcbInfo));
    expect(Object.keys(ours.tcbInfo.tcbLevels[1])).toEqual(Object.keys(intelTcbInfo.tcbInfo.tcbLevels[0]));
    expect(keyShape(ours.tcbInfo.tcbLevels[0].tcb)).toEqual(keyShape(intelTcbInfo.tcbInfo.tcbLevels[0].tcb));
    expect(ours.tcbInfo).toMatchObject({
      id: "SGX",
      version: 3,
      fmspc: SIMULATION_FMSPC,
      pceId: "0000",
      tcbType: 0,
    });
    // Re-serialising the parsed member gives the signed bytes back, so clients that re-stringify still verify.
    expect(JSON.stringify(ours.tcbInfo)).toBe(signedPart(body, "tcbInfo").text);
  });

  it("lists every simulated level with its status and advisories", () => {
    const levels = JSON.parse(body).tcbInfo.tcbLevels as Array<{
      tcbStatus: string;
      advisoryIDs?: string[];
      tcb: { pcesvn: number };
    }>;
    expect(levels.map((l) => [l.tcbStatus, l.advisoryIDs ?? [], l.tcb.pcesvn])).toEqual(
      TCB_LEVELS.map((l) => [l.status, [...l.advisoryIds], l.pceSvn]),
    );
  });

  it("is current at generation time, for thirty days, to the second", () => {
    const info = JSON.parse(body).tcbInfo;
    expect(info.issueDate).toBe("2026-03-04T05:06:07Z");
    expect(info.nextUpdate).toBe("2026-04-03T05:06:07Z");
  });

  it("comes as TCB info v2 for the v3 API, with sgxtcbcompNNsvn fields and no id", () => {
    const v2 = JSON.parse(tcbInfoBody(now, 2)).tcbInfo;
    expect(v2.id).toBeUndefined();
    expect(v2.version).toBe(2);
    expect(Object.keys(v2.tcbLevels[0].tcb)).toEqual([
      ...Array.from({ length: 16 }, (_, i) => `sgxtcbcomp${String(i + 1).padStart(2, "0")}svn`),
      "pcesvn",
    ]);
    const { text, signature } = signedPart(tcbInfoBody(now, 2), "tcbInfo");
    expect(
      verify("sha256", Buffer.from(text), { key: signer.publicKey, dsaEncoding: "ieee-p1363" }, signature),
    ).toBe(true);
  });
});

describe("qeIdentityBody", () => {
  const body = qeIdentityBody(now);

  it("is signed over the exact bytes of the enclaveIdentity member", () => {
    const { text, signature } = signedPart(body, "enclaveIdentity");
    expect(
      verify("sha256", Buffer.from(text), { key: signer.publicKey, dsaEncoding: "ieee-p1363" }, signature),
    ).toBe(true);
  });

  it("has the fields, in the order, of Intel's QE identity v2, naming the simulated QE", () => {
    const ours = JSON.parse(body).enclaveIdentity;
    expect(Object.keys(ours)).toEqual(Object.keys(intelQeIdentity.enclaveIdentity));
    expect(Object.keys(ours.tcbLevels[0])).toEqual(Object.keys(intelQeIdentity.enclaveIdentity.tcbLevels[0]));
    expect(ours).toMatchObject({ id: "QE", version: 2, isvprodid: 1 });
    expect(ours.mrsigner).toBe(Buffer.from(SIMULATED_QE.mrSigner).toString("hex").toUpperCase());
    expect(ours.mrsigner).not.toBe(intelQeIdentity.enclaveIdentity.mrsigner);
    expect(ours.tcbLevels[0]).toMatchObject({ tcb: { isvsvn: SIMULATED_QE.isvSvn }, tcbStatus: "UpToDate" });
  });
});

describe("CRLs", () => {
  const platform = (tcbState: Platform["tcbState"], serial: string) =>
    ({ tcbState, pckSerialNumber: serial, createdAt: new Date("2026-01-01T00:00:00Z") }) as Platform;

  it("list the PCK certificates of revoked platforms only, signed by the Platform CA", async () => {
    const revoked = revokedPcks([platform("revoked", "0a0b"), platform("up-to-date", "0c0d")]);
    const crl = new x509.X509Crl(pckCrl("platform", revoked, now));
    expect(crl.entries.map((e) => e.serialNumber.toLowerCase())).toEqual(["0a0b"]);
    expect(
      await crl.verify({ publicKey: new x509.X509Certificate(SIMULATION_PCK_PLATFORM_CA_PEM).publicKey }),
    ).toBe(true);
    expect(crl.thisUpdate.toISOString()).toBe("2026-03-04T05:06:07.000Z");
    expect(crl.nextUpdate?.toISOString()).toBe("2026-04-03T05:06:07.000Z");
    expect(new x509.X509Crl(pckCrl("processor", revoked, now)).entries).toHaveLength(0);
  });

  it("include a root CA CRL valid for a year, signed by the root", async () => {
    const crl = new x509.X509Crl(rootCaCrl(now));
    expect(await crl.verify({ publicKey: new x509.X509Certificate(SIMULATION_ROOT_CA_PEM).publicKey })).toBe(
      true,
    );
    expect(crl.entries).toHaveLength(0);
    expect(crl.nextUpdate!.getTime() - crl.thisUpdate.getTime()).toBe(365 * 24 * 3600 * 1000);
  });
});

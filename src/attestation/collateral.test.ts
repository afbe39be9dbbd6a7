import { describe, expect, it } from "vitest";
import { COLLATERAL_FIELDS, parseCollateralJson, renderCollateralJson } from "./collateral.js";
import { crlDerFromText, pemBlocks, toPem } from "./pem.js";
import { parseCrl } from "./crl.js";
import { vectorEvidence } from "./testing/msehomeEvidence.js";

const { collateral } = vectorEvidence();

describe("collateral file", () => {
  it("round-trips the field set of sgx_ql_qve_collateral_t", () => {
    const text = renderCollateralJson(collateral);
    expect(Object.keys(JSON.parse(text))).toEqual([...COLLATERAL_FIELDS]);
    expect(parseCollateralJson(text)).toEqual(collateral);
  });

  it("refuses missing, empty or unknown fields, naming them", () => {
    const { pck_crl: _omitted, ...missing } = collateral;
    expect(() => parseCollateralJson(JSON.stringify(missing), "collateral.json")).toThrow(
      /collateral.json must be .*pck_crl/s,
    );
    expect(() => parseCollateralJson(JSON.stringify({ ...collateral, tcb_info: "" }))).toThrow(/tcb_info/);
    expect(() => parseCollateralJson(JSON.stringify({ ...collateral, extra: "x" }))).toThrow(/extra/);
    expect(() => parseCollateralJson("{")).toThrow(/collateral is not valid JSON/);
  });
});

describe("CRLs as PEM or hex", () => {
  it("reads the same CRL from PEM and from hex of its DER", () => {
    const der = crlDerFromText(collateral.pck_crl, "PCK CRL");
    const hex = Buffer.from(der).toString("hex");
    expect(crlDerFromText(hex.toUpperCase(), "PCK CRL")).toEqual(der);
    const fromPem = parseCrl(collateral.pck_crl, "PCK CRL");
    const fromHex = parseCrl(hex, "PCK CRL");
    expect(fromHex.nextUpdate).toEqual(fromPem.nextUpdate);
    expect(fromPem.nextUpdate?.toISOString()).toBe("2023-06-15T23:55:41.000Z");
    expect(fromPem.revokedSerials.size).toBeGreaterThan(10);
  });

  it("accepts the plain 'BEGIN CRL' label other tools write", () => {
    const der = crlDerFromText(collateral.root_ca_crl, "root CA CRL");
    expect(crlDerFromText(toPem(der, "CRL"), "root CA CRL")).toEqual(der);
  });

  it("refuses anything else", () => {
    expect(() => crlDerFromText("hello", "PCK CRL")).toThrow(
      "PCK CRL is neither a PEM CRL nor hex of a DER CRL",
    );
    expect(() => crlDerFromText(toPem(new Uint8Array(3), "CERTIFICATE"), "PCK CRL")).toThrow(
      /holds no X509 CRL block/,
    );
    expect(() => pemBlocks("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----", "chain")).toThrow(
      /not valid base64/,
    );
    expect(() => parseCrl("3003020101", "PCK CRL")).toThrow(/PCK CRL/);
  });
});

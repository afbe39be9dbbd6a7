// Simulated CRLs are signed by their CA, name it exactly, and have the shape of Intel's.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { describe, expect, it } from "vitest";
import { vectorText } from "../attestation/testing/vectors.js";
import { buildCrl, crlToPem } from "./crl.js";
import { SIMULATION_PCK_PLATFORM_CA_PEM, SIMULATION_ROOT_CA_PEM, simulationAuthorities } from "./pki.js";

const intelPckCrl = new x509.X509Crl(
  (JSON.parse(vectorText("mse-home-evidence.json")) as { pck_platform_crl: string }).pck_platform_crl,
);
const thisUpdate = new Date("2026-01-02T03:04:05Z");
const nextUpdate = new Date("2026-02-01T03:04:05Z");
const serial = "4d1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b";

function platformCrl(revoked = [{ serialNumber: serial, revokedAt: thisUpdate }]): x509.X509Crl {
  return new x509.X509Crl(
    buildCrl({ issuer: simulationAuthorities().platform, thisUpdate, nextUpdate, revoked }),
  );
}

describe("buildCrl", () => {
  it("is signed by the issuing CA and names it byte for byte", async () => {
    const crl = platformCrl();
    const ca = new x509.X509Certificate(SIMULATION_PCK_PLATFORM_CA_PEM);
    expect(await crl.verify({ publicKey: ca.publicKey })).toBe(true);
    expect(
      Buffer.from(crl.issuerName.toArrayBuffer()).equals(Buffer.from(ca.subjectName.toArrayBuffer())),
    ).toBe(true);
    const root = new x509.X509Certificate(SIMULATION_ROOT_CA_PEM);
    expect(await crl.verify({ publicKey: root.publicKey })).toBe(false);
  });

  it("carries the update window and the revoked serials with reason key compromise", () => {
    const crl = platformCrl();
    expect(crl.thisUpdate.toISOString()).toBe(thisUpdate.toISOString());
    expect(crl.nextUpdate?.toISOString()).toBe(nextUpdate.toISOString());
    expect(crl.entries.map((e) => e.serialNumber.toLowerCase())).toEqual([serial]);
    expect(crl.entries[0]!.reason).toBe(x509.X509CrlReason.keyCompromise);
    expect(platformCrl([]).entries).toEqual([]);
  });

  it("has Intel's shape: version 2, ECDSA-SHA256, CRL number and authority key identifier", () => {
    const shape = (crl: x509.X509Crl) => ({
      version: crl.version,
      signature: crl.signatureAlgorithm,
      extensions: crl.extensions.map((e) => `${e.type}${e.critical ? "!" : ""}`),
      entryExtensions: crl.entries[0]?.extensions.map((e) => e.type),
    });
    expect(shape(platformCrl())).toEqual(shape(intelPckCrl));
  });

  it("is written as Intel writes it: an 'X509 CRL' PEM", () => {
    const der = buildCrl({ issuer: simulationAuthorities().root, thisUpdate, nextUpdate });
    const pem = crlToPem(der);
    expect(pem.startsWith("-----BEGIN X509 CRL-----\n")).toBe(true);
    expect(pem.trimEnd().endsWith("-----END X509 CRL-----")).toBe(true);
    expect(new x509.X509Crl(pem).issuer).toContain("msehome simulation SGX Root CA");
  });
});

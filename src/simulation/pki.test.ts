// The published simulation PKI follows Intel's certificate profiles, chains to its own root, and is plainly not Intel's.
import "reflect-metadata";
import { X509Certificate as NodeCertificate, createPublicKey } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { describe, expect, it } from "vitest";
import { certificatesFromPem, toPem } from "../attestation/pem.js";
import { certificationChainPems, parseQuote } from "../attestation/quote.js";
import { vectorBytes, vectorText } from "../attestation/testing/vectors.js";
import {
  SIMULATION_ISSUER_CHAINS,
  SIMULATION_PCK_PLATFORM_CA_KEY_PEM,
  SIMULATION_PCK_PLATFORM_CA_PEM,
  SIMULATION_PCK_PROCESSOR_CA_KEY_PEM,
  SIMULATION_PCK_PROCESSOR_CA_PEM,
  SIMULATION_ROOT_CA_DER,
  SIMULATION_ROOT_CA_KEY_PEM,
  SIMULATION_ROOT_CA_PEM,
  SIMULATION_ROOT_CA_SHA256,
  SIMULATION_TCB_SIGNING_KEY_PEM,
  SIMULATION_TCB_SIGNING_PEM,
} from "./pki.js";

const INTEL_ROOT_SHA256 = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

// Intel's own certificates, from a real quote (PCK Platform CA, root) and real evidence (TCB signing).
const [, intelPlatformCaPem, intelRootPem] = certificationChainPems(
  parseQuote(vectorBytes("intel-sgx-ra-quote.dat")).signatureData.certificationData,
);
const intelTcbSigningPem = (JSON.parse(vectorText("mse-home-evidence.json")) as { tcb_cert: string })
  .tcb_cert;

/** What a profile fixes: extension order and criticality, key usage, basic constraints, key and signature algorithms. */
function profileOf(pem: string) {
  const cert = new x509.X509Certificate(pem);
  const keyUsage = cert.getExtension(x509.KeyUsagesExtension);
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  return {
    version: 3,
    extensions: cert.extensions.map((e) => `${e.type}${e.critical ? "!" : ""}`),
    keyUsage: keyUsage?.usages,
    ca: basic?.ca,
    pathLength: basic?.pathLength,
    keyAlgorithm: (cert.publicKey.algorithm as EcKeyAlgorithmLike).namedCurve,
    signatureAlgorithm: cert.signatureAlgorithm,
    subjectAttributes: cert.subjectName.toJSON().map((rdn) => Object.keys(rdn)[0]),
  };
}
type EcKeyAlgorithmLike = { namedCurve?: string };

describe("simulation PKI", () => {
  it.each([
    ["root CA", SIMULATION_ROOT_CA_PEM, intelRootPem!],
    ["PCK Platform CA", SIMULATION_PCK_PLATFORM_CA_PEM, intelPlatformCaPem!],
    ["TCB signing certificate", SIMULATION_TCB_SIGNING_PEM, intelTcbSigningPem],
  ])("gives the %s Intel's profile", (_, simulated, intel) => {
    expect(profileOf(simulated)).toEqual(profileOf(intel));
  });

  it("names every certificate as the msehome simulation's, never Intel's", () => {
    for (const pem of [
      SIMULATION_ROOT_CA_PEM,
      SIMULATION_PCK_PLATFORM_CA_PEM,
      SIMULATION_PCK_PROCESSOR_CA_PEM,
      SIMULATION_TCB_SIGNING_PEM,
    ]) {
      const cert = new NodeCertificate(pem);
      expect(cert.subject).toMatch(/CN=msehome simulation SGX /);
      expect(cert.subject).toMatch(/O=msehome simulation/);
      expect(cert.subject).not.toMatch(/Intel/);
    }
    expect(SIMULATION_ROOT_CA_SHA256).not.toBe(INTEL_ROOT_SHA256);
    expect(SIMULATION_ROOT_CA_SHA256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("chains every CA and the TCB signer to the self-signed root", () => {
    const root = new NodeCertificate(SIMULATION_ROOT_CA_PEM);
    expect(root.verify(root.publicKey)).toBe(true);
    expect(root.checkIssued(root)).toBe(true);
    for (const pem of [
      SIMULATION_PCK_PLATFORM_CA_PEM,
      SIMULATION_PCK_PROCESSOR_CA_PEM,
      SIMULATION_TCB_SIGNING_PEM,
    ]) {
      const cert = new NodeCertificate(pem);
      expect(cert.checkIssued(root)).toBe(true);
      expect(cert.verify(root.publicKey)).toBe(true);
    }
  });

  it("publishes each private key beside the certificate it belongs to", () => {
    const pairs: Array<[string, string]> = [
      [SIMULATION_ROOT_CA_PEM, SIMULATION_ROOT_CA_KEY_PEM],
      [SIMULATION_PCK_PLATFORM_CA_PEM, SIMULATION_PCK_PLATFORM_CA_KEY_PEM],
      [SIMULATION_PCK_PROCESSOR_CA_PEM, SIMULATION_PCK_PROCESSOR_CA_KEY_PEM],
      [SIMULATION_TCB_SIGNING_PEM, SIMULATION_TCB_SIGNING_KEY_PEM],
    ];
    for (const [certPem, keyPem] of pairs) {
      const certKey = new NodeCertificate(certPem).publicKey.export({ format: "der", type: "spki" });
      const derived = createPublicKey(keyPem).export({ format: "der", type: "spki" });
      expect(Buffer.from(derived).equals(Buffer.from(certKey))).toBe(true);
    }
  });

  it("stays valid until the end of 2049, like Intel's root", () => {
    for (const pem of [SIMULATION_ROOT_CA_PEM, SIMULATION_PCK_PLATFORM_CA_PEM, SIMULATION_TCB_SIGNING_PEM]) {
      const cert = new NodeCertificate(pem);
      expect(new Date(cert.validTo).toISOString()).toBe("2049-12-31T23:59:59.000Z");
      expect(new Date(cert.validFrom).getTime()).toBeLessThanOrEqual(Date.now());
    }
  });

  it("offers the root as DER and issuer chains as intermediate then root", () => {
    expect(toPem(SIMULATION_ROOT_CA_DER, "CERTIFICATE")).toBe(SIMULATION_ROOT_CA_PEM);
    expect(certificatesFromPem(SIMULATION_ROOT_CA_PEM, "the root")).toEqual([SIMULATION_ROOT_CA_DER]);
    expect(SIMULATION_ISSUER_CHAINS.pckCrl.platform).toBe(
      SIMULATION_PCK_PLATFORM_CA_PEM + SIMULATION_ROOT_CA_PEM,
    );
    expect(SIMULATION_ISSUER_CHAINS.tcbInfo).toBe(SIMULATION_TCB_SIGNING_PEM + SIMULATION_ROOT_CA_PEM);
    expect(() => certificatesFromPem("no PEM here", "the text")).toThrow(
      /the text contains no PEM certificate/,
    );
  });
});

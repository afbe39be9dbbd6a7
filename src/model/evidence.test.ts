import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { EvidenceFormatError, parseEvidence, renderEvidence } from "./evidence.js";
import { verifyQuote } from "../attestation/verify.js";
import { extractQuoteFromCertificate } from "../attestation/ratls.js";
import { VECTORS_DIR } from "../../test/support/vectors.js";

const pythonText = readFileSync(path.join(VECTORS_DIR, "mse-home-evidence.json"), "utf8");

describe("evidence.json", () => {
  const evidence = parseEvidence(pythonText, "mse-home-evidence.json");

  it("reads the original msehome's evidence, decoding its base64-of-hex TCB info", () => {
    expect(evidence.source).toBe("mse-home-python");
    expect(evidence.mode).toBe("sgx");
    expect(evidence.pckCa).toBe("platform");
    expect(evidence.spawnArgs).toEqual({
      host: "localhost",
      sans: [],
      expirationDate: 1714058115,
      size: 4096,
      appId: "63322f85-1ff8-4483-91ae-f18d7398d157",
      application: "app:app",
    });
    expect(evidence.collateral.tcb_info.startsWith('{"tcbInfo":{"id":"SGX","version":3,')).toBe(true);
    expect(evidence.collateral.qe_identity.startsWith('{"enclaveIdentity":{"id":"QE"')).toBe(true);
    expect(evidence.signerPublicKeyPem).toContain("BEGIN PUBLIC KEY");
  });

  it("completes the issuer chains so the collateral verifies", () => {
    const report = verifyQuote({
      quote: extractQuoteFromCertificate(evidence.certificatePem),
      collateral: evidence.collateral,
      at: new Date("2023-06-21T00:00:00Z"),
    });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  });

  it("writes ours, versioned, and reads it back to the same evidence", () => {
    const text = renderEvidence(evidence);
    const json = JSON.parse(text) as Record<string, unknown>;
    expect(json).toMatchObject({ format: "msehome-evidence", version: 1, mode: "sgx", pck_ca: "platform" });
    expect(parseEvidence(text, "evidence.json")).toEqual({ ...evidence, source: "msehome" });
  });

  it("records further certificate names only when there are some, and reads evidence without them", () => {
    const plain = JSON.parse(renderEvidence(evidence)) as { spawn_args: Record<string, unknown> };
    expect(plain.spawn_args).not.toHaveProperty("san");
    const named = { ...evidence, spawnArgs: { ...evidence.spawnArgs, sans: ["10.0.0.7", "app.internal"] } };
    const text = renderEvidence(named);
    expect((JSON.parse(text) as typeof plain).spawn_args.san).toEqual(["10.0.0.7", "app.internal"]);
    expect(parseEvidence(text, "evidence.json").spawnArgs.sans).toEqual(["10.0.0.7", "app.internal"]);
  });

  it("keeps a simulation mode", () => {
    const text = renderEvidence({ ...evidence, mode: "simulation" });
    expect(parseEvidence(text, "evidence.json").mode).toBe("simulation");
  });

  it("names the file and the problem", () => {
    expect(() => parseEvidence("{", "e.json")).toThrow("e.json is not valid evidence: it is not JSON");
    expect(() => parseEvidence("[]", "e.json")).toThrow(/it is not a JSON object/);
    expect(() => parseEvidence('{"a":1}', "e.json")).toThrow(/neither "format": "msehome-evidence" nor/);
    const ours = JSON.parse(renderEvidence(evidence)) as Record<string, unknown>;
    expect(() => parseEvidence(JSON.stringify({ ...ours, version: 2 }), "e.json")).toThrow(
      /format version 2 is not supported \(this msehome reads version 1\)/,
    );
    expect(() => parseEvidence(JSON.stringify({ ...ours, mode: "cloud" }), "e.json")).toThrow(/mode/);
    const python = JSON.parse(pythonText) as Record<string, unknown>;
    expect(() => parseEvidence(JSON.stringify({ ...python, tcb_info: "!!!" }), "e.json")).toThrow(
      /tcb_info is not base64/,
    );
    expect(() =>
      parseEvidence(JSON.stringify({ ...python, tcb_info: Buffer.from("xyz").toString("base64") }), "e.json"),
    ).toThrow(/tcb_info is not base64 of hex/);
    const { pck_platform_crl: _crl, ...noCrl } = python;
    expect(() => parseEvidence(JSON.stringify(noCrl), "e.json")).toThrow(
      /neither pck_platform_crl nor pck_processor_crl/,
    );
  });

  // Found by fuzzing: a version nested thousands deep overflowed the stack in String() (a
  // RangeError); every refusal is an EvidenceFormatError.
  it("refuses a version of any shape with an EvidenceFormatError", () => {
    const ours = renderEvidence(evidence).replace(
      '"version": 1',
      `"version": ${"[".repeat(20_000)}${"]".repeat(20_000)}`,
    );
    expect(() => parseEvidence(ours, "e.json")).toThrow(/format version \(an array\) is not supported/);
    expect(() => parseEvidence(ours, "e.json")).toThrow(EvidenceFormatError);
    expect(() => parseEvidence("{", "e.json")).toThrow(EvidenceFormatError);
  });
});

// verifyEvidence on the original msehome's hardware evidence and on simulated evidence.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { verifyEvidence } from "./verify.js";
import { verificationRejection } from "./verificationResult.js";
import { VerificationError } from "../attestation/errors.js";
import { VECTOR_AT, VECTOR_MRENCLAVE, VECTOR_MRSIGNER } from "../attestation/testing/msehomeEvidence.js";
import { initPlatform, type Platform } from "../simulation/platform.js";
import { startPccsServer, type PccsServer } from "../simulation/pccsServer.js";
import { VECTORS_DIR } from "../../test/support/vectors.js";
import { raTlsCertificate, rsa3072SignerPem, writeSimulatedEvidence } from "./testing/simulatedEvidence.js";

const VECTOR_EVIDENCE = path.join(VECTORS_DIR, "mse-home-evidence.json");
const RELAXED = { allowOutdatedTcb: true, allowExpiredCollateral: true };
let work: string;
let server: PccsServer;
let platform: Platform;
let signerPem: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "msehome-verify-"));
  platform = await initPlatform(path.join(work, "platform"), { tcb: "up-to-date" });
  server = await startPccsServer({ port: 0, tls: false, platformDir: path.join(work, "platform") });
  signerPem = rsa3072SignerPem();
});
afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

const out = (name: string) => path.join(work, name);

describe("verifyEvidence on the original msehome's evidence", () => {
  it("rejects it under the strict policy, naming both reasons, and writes nothing", async () => {
    const result = await verifyEvidence({
      evidencePath: VECTOR_EVIDENCE,
      outputDir: out("strict"),
      mrEnclave: VECTOR_MRENCLAVE,
      at: VECTOR_AT,
    });
    expect(result.accepted).toBe(false);
    expect(result.reasons.map((r) => r.check)).toEqual(["tcb.status", "collateral.expiry"]);
    expect(result.report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.expectedMrSigner).toBe(VECTOR_MRSIGNER);
    const error = verificationRejection(result);
    expect(error).toBeInstanceOf(VerificationError);
    expect((error as VerificationError).check).toBe("tcb.status");
    expect(error.message).toMatch(/OutOfDate.*PCK CRL/);
    await expect(readdir(out("strict"))).rejects.toThrow(/ENOENT/);
  });

  it("accepts it with --allow-outdated-tcb --allow-expired-collateral and writes ratls.pem", async () => {
    const result = await verifyEvidence({
      evidencePath: VECTOR_EVIDENCE,
      outputDir: out("relaxed"),
      mrEnclave: VECTOR_MRENCLAVE,
      at: VECTOR_AT,
      policy: RELAXED,
    });
    expect(result.accepted).toBe(true);
    expect(result.report.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        "enclave.mrenclave",
        "enclave.mrsigner",
        "ratls.binding",
        "ratls.certificate.validity",
      ]),
    );
    const evidence = JSON.parse(await readFile(VECTOR_EVIDENCE, "utf8")) as { ratls_certificate: string };
    expect(result.ratlsCertificate).toBe(path.join(out("relaxed"), "ratls.pem"));
    expect((await readFile(result.ratlsCertificate!, "utf8")).trim()).toBe(evidence.ratls_certificate.trim());
  });

  it("today names the expired RA-TLS certificate and TCB info", async () => {
    const result = await verifyEvidence({
      evidencePath: VECTOR_EVIDENCE,
      outputDir: out("today"),
      mrEnclave: VECTOR_MRENCLAVE,
    });
    const text = result.reasons.map((r) => r.message).join("\n");
    expect(result.reasons[0]!.check).toBe("ratls.certificate.validity");
    expect(text).toMatch(/RA-TLS certificate is expired/);
    expect(text).toMatch(/TCB info \(2023-05-30T00:45:00Z \.\. 2023-06-29T00:45:00Z\)/);
  });

  it("refuses another MRENCLAVE", async () => {
    const wrong = "f".repeat(64);
    const result = await verifyEvidence({
      evidencePath: VECTOR_EVIDENCE,
      outputDir: out("wrong"),
      mrEnclave: wrong,
      at: VECTOR_AT,
      policy: RELAXED,
    });
    expect(result.reasons.map((r) => r.check)).toEqual(["enclave.mrenclave"]);
  });

  it("refuses evidence whose signer key is not the enclave's signer", async () => {
    const tampered = JSON.parse(await readFile(VECTOR_EVIDENCE, "utf8")) as Record<string, unknown>;
    tampered.signer_pk = signerPem;
    const file = out("other-signer.json");
    await writeFile(file, JSON.stringify(tampered));
    const result = await verifyEvidence({
      evidencePath: file,
      outputDir: out("signer"),
      mrEnclave: VECTOR_MRENCLAVE,
      at: VECTOR_AT,
      policy: RELAXED,
    });
    expect(result.reasons.map((r) => r.check)).toEqual(["enclave.mrsigner"]);
  });

  it("names a --package that does not exist, before any Docker work", async () => {
    await expect(
      verifyEvidence({
        evidencePath: VECTOR_EVIDENCE,
        outputDir: out("pkg"),
        packagePath: out("package_app_1.tar"),
      }),
    ).rejects.toThrow(`the package ${out("package_app_1.tar")} does not exist`);
  });

  it("names an unreadable evidence file", async () => {
    await expect(
      verifyEvidence({ evidencePath: out("nope.json"), outputDir: out("x"), mrEnclave: VECTOR_MRENCLAVE }),
    ).rejects.toThrow(/cannot read the evidence file .*nope\.json/);
  });
});

describe("verifyEvidence on simulated evidence", () => {
  it("needs --simulation, then accepts it with the warning and mode simulation", async () => {
    const cert = raTlsCertificate(platform, { signerPem });
    const file = out("sim-evidence.json");
    await writeSimulatedEvidence(file, cert, signerPem, server.url);
    // Without --simulation it is verified against Intel's root, fails there, and says why.
    const strict = await verifyEvidence({
      evidencePath: file,
      outputDir: out("sim"),
      mrEnclave: cert.mrEnclave,
    });
    expect(strict.accepted).toBe(false);
    expect(strict.mode).toBe("sgx");
    expect(strict.ratlsCertificate).toBeNull();
    const rejection = verificationRejection(strict);
    expect(rejection.message).toMatch(/not rooted in the Intel SGX Root CA/);
    expect(rejection.message).toMatch(/comes from a simulated SGX platform.*verify it with --simulation/);
    const result = await verifyEvidence({
      evidencePath: file,
      outputDir: out("sim"),
      mrEnclave: cert.mrEnclave,
      simulation: true,
    });
    expect(result.report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.accepted).toBe(true);
    expect(result.mode).toBe("simulation");
    expect(result.warning).toMatch(/proves no hardware protection/);
  });

  it("refuses a certificate the quote does not bind", async () => {
    const cert = raTlsCertificate(platform, { signerPem, bindOtherKey: true });
    const file = out("sim-unbound.json");
    await writeSimulatedEvidence(file, cert, signerPem, server.url);
    const result = await verifyEvidence({
      evidencePath: file,
      outputDir: out("unbound"),
      mrEnclave: cert.mrEnclave,
      simulation: true,
    });
    expect(result.reasons.map((r) => r.check)).toEqual(["ratls.binding"]);
  });

  it("checks the certificate's names against the spawn arguments: host and further names, no more, no fewer", async () => {
    const named = raTlsCertificate(platform, { signerPem, names: ["localhost", "10.0.0.7", "app.internal"] });
    const good = out("sim-named.json");
    await writeSimulatedEvidence(good, named, signerPem, server.url, ["10.0.0.7", "app.internal"]);
    const accepted = await verifyEvidence({
      evidencePath: good,
      outputDir: out("named"),
      mrEnclave: named.mrEnclave,
      simulation: true,
    });
    expect(accepted.accepted).toBe(true);
    expect(accepted.report.checks.find((c) => c.name === "ratls.certificate.names")?.reason).toBe(
      "the certificate names localhost, 10.0.0.7, app.internal, as spawned",
    );

    // Evidence claiming a name the certificate lacks, or a certificate with a name never spawned.
    const lacking = out("sim-lacking.json");
    await writeSimulatedEvidence(lacking, named, signerPem, server.url, ["10.0.0.7", "other.example"]);
    const refused = await verifyEvidence({
      evidencePath: lacking,
      outputDir: out("lacking"),
      mrEnclave: named.mrEnclave,
      simulation: true,
    });
    expect(refused.accepted).toBe(false);
    expect(refused.reasons.map((r) => r.check)).toEqual(["ratls.certificate.names"]);
    expect(refused.reasons[0]!.message).toMatch(
      /names localhost, 10\.0\.0\.7, app\.internal \(not other\.example; also app\.internal\), but the enclave was spawned for localhost, 10\.0\.0\.7, other\.example/,
    );
    const extra = out("sim-extra.json");
    await writeSimulatedEvidence(extra, named, signerPem, server.url);
    const extraResult = await verifyEvidence({
      evidencePath: extra,
      outputDir: out("extra"),
      mrEnclave: named.mrEnclave,
      simulation: true,
    });
    expect(extraResult.reasons.map((r) => r.check)).toEqual(["ratls.certificate.names"]);
  });
});

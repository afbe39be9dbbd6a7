// verifyLive against an app served in-process over TLS with a simulated RA-TLS certificate, and the
// simulated PCCS on 127.0.0.1 (the Docker end-to-end flow is test/e2e/liveVerification.test.ts).
import { createServer as createHttpsServer, type Server } from "node:https";
import { createServer as createTcpServer } from "node:net";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCertificate } from "../attestation/certificate.js";
import { certificateDer } from "../attestation/ratls.js";
import { makeCertificate, testKey } from "../attestation/testing/pki.js";
import { toPem } from "../attestation/pem.js";
import { initPlatform, type Platform } from "../simulation/platform.js";
import { startPccsServer, type PccsServer } from "../simulation/pccsServer.js";
import { parseAppUrl, verifyLive } from "./liveVerification.js";
import { verificationRejection } from "./verificationResult.js";
import {
  raTlsCertificate,
  rsa3072SignerPem,
  writeSimulatedEvidence,
  type RaTlsCertificate,
} from "./testing/simulatedEvidence.js";

let work: string;
let pccs: PccsServer;
let platform: Platform;
let signerPem: string;
let served: RaTlsCertificate;
let app: Server;
let appUrl: string;

function serve(cert: string, key: string): Promise<{ server: Server; url: string }> {
  const server = createHttpsServer({ cert, key }, (_request, response) => response.end("hello"));
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({ server, url: `https://127.0.0.1:${port}` });
    }),
  );
}

const close = (server: Server) => new Promise((resolve) => server.close(resolve));

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "msehome-live-"));
  platform = await initPlatform(path.join(work, "platform"), { tcb: "up-to-date" });
  pccs = await startPccsServer({ port: 0, tls: false, platformDir: path.join(work, "platform") });
  signerPem = rsa3072SignerPem();
  served = raTlsCertificate(platform, { signerPem });
  ({ server: app, url: appUrl } = await serve(served.certificatePem, served.privateKeyPem));
});
afterAll(async () => {
  await close(app);
  await pccs.close();
  await rm(work, { recursive: true, force: true });
});

const out = (name: string) => path.join(work, name);
const live = (name: string, more: Partial<Parameters<typeof verifyLive>[0]> = {}) =>
  verifyLive({
    url: appUrl,
    outputDir: out(name),
    pccsUrl: pccs.url,
    simulation: true,
    mrEnclave: served.mrEnclave,
    ...more,
  });

describe("verifyLive", () => {
  it("verifies the running app with fresh collateral and writes the certificate it presents", async () => {
    const result = await live("accepted");
    expect(result.reasons).toEqual([]);
    expect(result.accepted).toBe(true);
    expect(result.mode).toBe("simulation");
    expect(result.warning).toMatch(/simulation root CA/);
    expect(result.url).toBe(appUrl);
    expect(result.collateralSource).toBe(pccs.url);
    expect(result.certificateSha256).toBe(
      parseCertificate(certificateDer(served.certificatePem)).fingerprint,
    );
    expect(result.expectedMrSigner).toBeNull();
    expect(result.report.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(["enclave.mrenclave", "ratls.binding", "ratls.certificate.validity"]),
    );
    expect(await readFile(result.ratlsCertificate!, "utf8")).toBe(served.certificatePem);
  });

  it("with the evidence of this app: checks that the live certificate is the evidence's, and MRSIGNER", async () => {
    const evidencePath = out("evidence.json");
    await writeSimulatedEvidence(evidencePath, served, signerPem, pccs.url);
    const result = await live("with-evidence", { evidencePath });
    expect(result.accepted).toBe(true);
    expect(result.report.checks.find((c) => c.name === "ratls.certificate.evidence")).toMatchObject({
      ok: true,
    });
    expect(result.expectedMrSigner).toMatch(/^[0-9a-f]{64}$/);
    expect(result.report.checks.find((c) => c.name === "enclave.mrsigner")).toMatchObject({ ok: true });
  });

  it("names a swapped enclave: the app presents another certificate than the evidence's", async () => {
    const evidencePath = out("other-evidence.json");
    const earlier = raTlsCertificate(platform, { signerPem });
    await writeSimulatedEvidence(evidencePath, earlier, signerPem, pccs.url);
    const result = await live("swapped", { evidencePath, mrEnclave: earlier.mrEnclave });
    expect(result.accepted).toBe(false);
    expect(result.reasons[0]!.check).toBe("ratls.certificate.evidence");
    expect(result.reasons[0]!.message).toMatch(
      new RegExp(
        `${appUrl.replace(/\./g, "\\.")} presents another certificate \\(SHA-256 [0-9a-f]{64}\\) than the evidence's .*swapped`,
      ),
    );
    expect(result.ratlsCertificate).toBeNull();
    await expect(readdir(out("swapped"))).rejects.toThrow(/ENOENT/);
  });

  it("refuses another MRENCLAVE, and says what to do about a simulated app verified without --simulation", async () => {
    const wrong = await live("wrong", { mrEnclave: "11".repeat(32) });
    expect(wrong.reasons.map((r) => r.check)).toEqual(["enclave.mrenclave"]);
    const strict = await live("strict", { simulation: false });
    expect(strict.accepted).toBe(false);
    expect(strict.reasons[0]!.check).toBe("pck.chain.root");
    expect(verificationRejection(strict).message).toMatch(
      /; the quote of https:\/\/127\.0\.0\.1:\d+ comes from a simulated SGX platform, .*--simulation/,
    );
  });

  it("says so in one sentence when there is no RA-TLS app, no app, or no PCCS", async () => {
    const key = testKey();
    const plain = makeCertificate({
      subject: "localhost",
      issuer: "localhost",
      issuerKey: key,
      key,
      serial: 9,
      ca: false,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
    });
    const other = await serve(
      toPem(plain, "CERTIFICATE"),
      key.privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    );
    try {
      await expect(live("plain", { url: other.url })).rejects.toThrow(
        `${other.url} does not present an RA-TLS certificate`,
      );
    } finally {
      await close(other.server);
    }
    const closed = createTcpServer();
    const port = await new Promise<number>((resolve) =>
      closed.listen(0, "127.0.0.1", () => resolve((closed.address() as { port: number }).port)),
    );
    await new Promise((resolve) => closed.close(resolve));
    await expect(live("closed", { url: `https://127.0.0.1:${port}` })).rejects.toThrow(
      new RegExp(`cannot read the TLS certificate of 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
    await expect(
      live("no-pccs", { pccsUrl: undefined, qcnlConfigPath: out("missing-qcnl.conf") }),
    ).rejects.toThrow(
      /verify --url needs fresh collateral: give --pccs <url> \(.*missing-qcnl\.conf does not exist\)/,
    );
  });

  it("needs the evidence to measure a package, and an expected MRENCLAVE", async () => {
    await expect(live("package", { mrEnclave: undefined, packagePath: "p.tar" })).rejects.toThrow(
      "--package needs --evidence",
    );
    await expect(live("nothing", { mrEnclave: undefined })).rejects.toThrow(/needs the expected MRENCLAVE/);
  });
});

describe("parseAppUrl", () => {
  it("takes https://HOST[:PORT] only", () => {
    expect(parseAppUrl("https://example.com:7777")).toEqual({
      host: "example.com",
      port: 7777,
      url: "https://example.com:7777",
    });
    expect(parseAppUrl("https://example.com/")).toMatchObject({ port: 443, url: "https://example.com" });
    expect(parseAppUrl("https://[::1]:8443")).toMatchObject({ host: "::1", port: 8443 });
    expect(() => parseAppUrl("http://example.com")).toThrow(/must start with https:\/\//);
    expect(() => parseAppUrl("https://example.com/health")).toThrow(/the app's address only/);
    expect(() => parseAppUrl("https://user@example.com")).toThrow(/the app's address only/);
    expect(() => parseAppUrl("example.com:7777")).toThrow(/must start with https:\/\/|is not a URL/);
  });
});

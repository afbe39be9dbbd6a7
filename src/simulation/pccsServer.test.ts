// The simulated PCCS speaks Intel's PCCS API over real HTTP(S): bodies, issuer-chain headers, status codes, one log line per request.
import "reflect-metadata";
import { X509Certificate, createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import * as x509 from "@peculiar/x509";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { initPlatform, type Platform } from "./platform.js";
import { startPccsServer, type PccsServer } from "./pccsServer.js";
import { SIMULATION_ISSUER_CHAINS, SIMULATION_ROOT_CA_PEM } from "./pki.js";
import { SIMULATION_FMSPC } from "./tcbLevels.js";

let work: string;
let platform: Platform;
let server: PccsServer;
const lines: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "msehome-sim-pccs-"));
  platform = await initPlatform(path.join(work, "platform"));
  server = await startPccsServer({
    port: 0,
    platformDir: platform.dir,
    tls: false,
    log: (line) => lines.push(line),
  });
});
afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});
afterEach(() => {
  lines.length = 0;
});

const get = (route: string, init?: RequestInit) => fetch(`${server.url}/sgx/certification/${route}`, init);
const chainOf = (response: Response, header: string) =>
  decodeURIComponent(response.headers.get(header) ?? "");

describe("simulated PCCS (API v4)", () => {
  it("serves the PCK CRL as PEM by default and DER on request, with its URL-encoded issuer chain", async () => {
    const pem = await get("v4/pckcrl?ca=platform");
    expect(pem.status).toBe(200);
    expect(pem.headers.get("content-type")).toBe("application/x-pem-file");
    expect(pem.headers.get("sgx-pck-crl-issuer-chain")).toContain("-----BEGIN%20CERTIFICATE-----%0A");
    expect(chainOf(pem, "SGX-PCK-CRL-Issuer-Chain")).toBe(SIMULATION_ISSUER_CHAINS.pckCrl.platform);
    expect(await pem.text()).toMatch(/^-----BEGIN X509 CRL-----\n/);

    const der = await get("v4/pckcrl?ca=processor&encoding=der");
    expect(der.headers.get("content-type")).toBe("application/pkix-crl");
    expect(chainOf(der, "SGX-PCK-CRL-Issuer-Chain")).toBe(SIMULATION_ISSUER_CHAINS.pckCrl.processor);
    expect(new x509.X509Crl(new Uint8Array(await der.arrayBuffer())).issuer).toContain(
      "SGX PCK Processor CA",
    );
  });

  it("serves TCB info for the platform's FMSPC, in either case, and 404 for any other", async () => {
    for (const fmspc of [SIMULATION_FMSPC, SIMULATION_FMSPC.toLowerCase()]) {
      const response = await get(`v4/tcb?fmspc=${fmspc}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/json");
      expect(chainOf(response, "TCB-Info-Issuer-Chain")).toBe(SIMULATION_ISSUER_CHAINS.tcbInfo);
      expect(JSON.parse(await response.text()).tcbInfo).toMatchObject({
        version: 3,
        fmspc: SIMULATION_FMSPC,
      });
    }
    expect((await get("v4/tcb?fmspc=00906ED50000")).status).toBe(404);
    expect((await get("v4/tcb?fmspc=xyz")).status).toBe(400);
    expect((await get("v4/tcb")).status).toBe(400);
  });

  it("serves the QE identity and the root CA CRL (hex of DER, as Intel's PCCS does)", async () => {
    const identity = await get("v4/qe/identity?update=standard");
    expect(identity.status).toBe(200);
    expect(chainOf(identity, "SGX-Enclave-Identity-Issuer-Chain")).toBe(SIMULATION_ISSUER_CHAINS.qeIdentity);
    expect(JSON.parse(await identity.text()).enclaveIdentity).toMatchObject({ id: "QE", version: 2 });

    const root = await get("v4/rootcacrl");
    const crl = new x509.X509Crl(Buffer.from(await root.text(), "hex"));
    expect(await crl.verify({ publicKey: new x509.X509Certificate(SIMULATION_ROOT_CA_PEM).publicKey })).toBe(
      true,
    );
  });

  it("answers bad requests as Intel does and logs one line per request", async () => {
    expect((await get("v4/pckcrl")).status).toBe(400);
    expect((await get("v4/pckcrl?ca=platform&encoding=base64")).status).toBe(400);
    expect((await get("v4/pckcert")).status).toBe(404);
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    const post = await get("v4/qe/identity", { method: "POST", body: "{}" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^GET \/sgx\/certification\/v4\/pckcrl 400 \d+B [\d.]+ms$/);
    expect(lines[4]).toMatch(/^POST \/sgx\/certification\/v4\/qe\/identity 405 /);
  });

  it("picks up a platform reset while running: a revoked platform's PCK is on the next CRL", async () => {
    const before = new x509.X509Crl(await (await get("v4/pckcrl?ca=platform")).text());
    expect(before.entries).toHaveLength(0);
    const revoked = await initPlatform(platform.dir, { tcb: "revoked" });
    const after = new x509.X509Crl(await (await get("v4/pckcrl?ca=platform")).text());
    expect(after.entries.map((e) => e.serialNumber.toLowerCase())).toEqual([revoked.pckSerialNumber]);
    platform = await initPlatform(platform.dir);
  });
});

describe("simulated PCCS (API v3)", () => {
  it("serves TCB info v2 under SGX-TCB-Info-Issuer-Chain", async () => {
    const response = await get(`v3/tcb?fmspc=${SIMULATION_FMSPC}`);
    expect(response.status).toBe(200);
    expect(chainOf(response, "SGX-TCB-Info-Issuer-Chain")).toBe(SIMULATION_ISSUER_CHAINS.tcbInfo);
    expect(JSON.parse(await response.text()).tcbInfo.version).toBe(2);
    expect((await get("v3/qe/identity")).status).toBe(200);
  });
});

describe("startPccsServer", () => {
  it("serves HTTPS with a certificate a client can pin", async () => {
    const tls = await startPccsServer({ port: 0, platformDir: [platform.dir] });
    try {
      expect(tls.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const fingerprint = createHash("sha256")
        .update(new X509Certificate(tls.tlsCertificatePem!).raw)
        .digest("hex");
      expect(tls.tlsFingerprint!.replace(/:/g, "").toLowerCase()).toBe(fingerprint);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpsRequest(
          `${tls.url}/sgx/certification/v4/qe/identity`,
          { ca: tls.tlsCertificatePem },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.end();
      });
      expect(status).toBe(200);
    } finally {
      await tls.close();
    }
  });

  it("refuses to start without a platform, saying how to make one", async () => {
    await expect(startPccsServer({ port: 0, platformDir: path.join(work, "none") })).rejects.toThrow(
      /no simulated SGX platform at .*msehome sim init/,
    );
    await expect(startPccsServer({ port: 70000, platformDir: platform.dir })).rejects.toThrow(
      /port must be 0\.\.65535/,
    );
  });
});

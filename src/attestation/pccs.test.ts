import { afterEach, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { collateralRequestForQuote, MAX_PCCS_BODY_BYTES, PccsClient } from "./pccs.js";
import { toPem } from "./pem.js";
import { verifyQuote } from "./verify.js";
import { VECTOR_AT, vectorEvidence } from "./testing/msehomeEvidence.js";
import { makeCertificate, testKey } from "./testing/pki.js";
import { type PccsHandler, recordedPccsHandler } from "./testing/recordedPccs.js";

const { collateral, quote } = vectorEvidence();

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections?.();
  server?.close();
  server = undefined;
});

async function serve(handler: PccsHandler, make: (h: PccsHandler) => Server = createServer): Promise<number> {
  server = make(handler);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

describe("PccsClient", () => {
  it("fetches the collateral of a platform from the v4 API; it verifies as the original", async () => {
    const requests: string[] = [];
    const port = await serve(recordedPccsHandler(4, requests));
    const client = new PccsClient({ baseUrl: `http://127.0.0.1:${port}/sgx/certification/v4/` });
    const fetched = await client.fetchCollateral({ fmspc: "30606a000000", ca: "platform" });
    expect(requests.sort()).toEqual([
      "/sgx/certification/v4/pckcrl?ca=platform",
      "/sgx/certification/v4/qe/identity",
      "/sgx/certification/v4/rootcacrl",
      "/sgx/certification/v4/tcb?fmspc=30606A000000",
    ]);
    expect(fetched.tcb_info).toBe(collateral.tcb_info);
    expect(fetched.pck_crl_issuer_chain).toBe(collateral.pck_crl_issuer_chain);
    expect(fetched.root_ca_crl).toMatch(/^30[0-9a-f]+$/);
    const report = verifyQuote({ quote, collateral: fetched, at: VECTOR_AT });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.tcb.status).toBe("OutOfDate");
  });

  it("speaks v3 when the URL says so, with its header names", async () => {
    const port = await serve(recordedPccsHandler(3));
    const client = new PccsClient({ baseUrl: `http://127.0.0.1:${port}/sgx/certification/v3` });
    expect(client.apiVersion).toBe(3);
    const fetched = await client.fetchCollateral({ fmspc: "30606A000000", ca: "platform" });
    expect(fetched.tcb_info_issuer_chain).toBe(collateral.tcb_info_issuer_chain);
  });

  it("defaults to v4 on a bare origin", () => {
    const client = new PccsClient({ baseUrl: "https://localhost:8081" });
    expect(client.url("qe/identity")).toBe("https://localhost:8081/sgx/certification/v4/qe/identity");
  });

  it("names the URL and the HTTP status of a failed request", async () => {
    const port = await serve(recordedPccsHandler(4));
    const client = new PccsClient({ baseUrl: `http://127.0.0.1:${port}` });
    await expect(client.fetchCollateral({ fmspc: "30606A000000", ca: "processor" })).rejects.toThrow(
      `PCCS request http://127.0.0.1:${port}/sgx/certification/v4/pckcrl?ca=processor failed: HTTP 404 Not Found (no such collateral)`,
    );
  });

  it("names a missing issuer chain header", async () => {
    const port = await serve((req, res) => res.end(collateral.qe_identity));
    const client = new PccsClient({ baseUrl: `http://127.0.0.1:${port}` });
    await expect(client.qeIdentity()).rejects.toThrow(
      /qe\/identity failed: the response has no SGX-Enclave-Identity-Issuer-Chain header/,
    );
  });

  it("refuses a body that is not what was asked for", async () => {
    const port = await serve((req, res) => {
      res.setHeader("TCB-Info-Issuer-Chain", encodeURIComponent(collateral.tcb_info_issuer_chain));
      res.end("<html>proxy error</html>");
    });
    const client = new PccsClient({ baseUrl: `http://127.0.0.1:${port}` });
    await expect(client.tcbInfo("30606A000000")).rejects.toThrow(
      /tcb\?fmspc=30606A000000 failed: the body is not a signed tcbInfo document/,
    );
    await expect(client.rootCaCrl()).rejects.toThrow(/rootcacrl failed: the body is not a CRL/);
  });

  it("times out, naming the URL", async () => {
    const port = await serve(() => undefined);
    const client = new PccsClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 150 });
    await expect(client.rootCaCrl()).rejects.toThrow(
      `rootcacrl failed: no complete answer within 150 ms (the PCCS timeout)`,
    );
  });

  it("times out on a body that stops half-way, the headers having come", async () => {
    const port = await serve((req, res) => {
      res.writeHead(200, { "Content-Type": "application/x-pem-file", "Content-Length": "4096" });
      res.write("-----BEGIN X509 CRL-----\n");
    });
    const client = new PccsClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 200 });
    const started = Date.now();
    await expect(client.rootCaCrl()).rejects.toThrow(
      `http://127.0.0.1:${port}/sgx/certification/v4/rootcacrl failed: no complete answer within 200 ms`,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("stops reading an answer larger than any collateral", async () => {
    const port = await serve((req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const more = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", more);
      };
      more();
    });
    const client = new PccsClient({ baseUrl: `http://127.0.0.1:${port}` });
    await expect(client.qeIdentity()).rejects.toThrow(
      `qe/identity failed: the answer is larger than ${MAX_PCCS_BODY_BYTES} bytes, more than any collateral`,
    );
  });

  it("names a server error, garbage and a web page served instead of collateral", async () => {
    const port = await serve((req, res) => {
      if (req.url?.includes("pckcrl")) {
        res.writeHead(500, "Internal Server Error", { "Content-Type": "text/plain" });
        res.end("database locked");
      } else if (req.url?.includes("rootcacrl")) {
        res.writeHead(200, { "Content-Type": "application/octet-stream" });
        res.end(Buffer.from([0x30, 0x82, 0xff, 0xff, 0x01]));
      } else {
        res.setHeader("TCB-Info-Issuer-Chain", encodeURIComponent(collateral.tcb_info_issuer_chain));
        res.setHeader("Content-Type", "text/html; charset=utf-8");
        res.end(collateral.tcb_info);
      }
    });
    const client = new PccsClient({ baseUrl: `http://127.0.0.1:${port}` });
    const base = `http://127.0.0.1:${port}/sgx/certification/v4`;
    await expect(client.pckCrl("platform")).rejects.toThrow(
      `PCCS request ${base}/pckcrl?ca=platform failed: HTTP 500 Internal Server Error (database locked)`,
    );
    await expect(client.rootCaCrl()).rejects.toThrow(
      `PCCS request ${base}/rootcacrl failed: the body (served as application/octet-stream) is not a CRL (PEM, hex or DER)`,
    );
    // Even a valid document is refused when it comes as a web page.
    await expect(client.tcbInfo("30606A000000")).rejects.toThrow(
      `PCCS request ${base}/tcb?fmspc=30606A000000 failed: the body is served as text/html, not as a signed tcbInfo JSON document`,
    );
  });

  it("refuses a timeout that is not a positive number of milliseconds", () => {
    expect(() => new PccsClient({ baseUrl: "https://h", timeoutMs: 0 })).toThrow(/PCCS timeout/);
    expect(() => new PccsClient({ baseUrl: "https://h", timeoutMs: Number.NaN })).toThrow(/PCCS timeout/);
  });

  it("reports a refused connection", async () => {
    const port = await serve(() => undefined);
    server!.close();
    server = undefined;
    const client = new PccsClient({ baseUrl: `http://127.0.0.1:${port}` });
    await expect(client.rootCaCrl()).rejects.toThrow(/rootcacrl failed: .*ECONNREFUSED/);
  });

  it("accepts a self-signed HTTPS PCCS only when asked", async () => {
    const key = testKey();
    const now = Date.now();
    const cert = toPem(
      makeCertificate({
        subject: "localhost",
        issuer: "localhost",
        issuerKey: key,
        key,
        serial: 9,
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + 3_600_000),
        ca: false,
      }),
      "CERTIFICATE",
    );
    const tlsKey = key.privateKey.export({ type: "pkcs8", format: "pem" });
    const port = await serve(
      recordedPccsHandler(4),
      (h) => createHttpsServer({ cert, key: tlsKey }, h) as unknown as Server,
    );
    const strict = new PccsClient({ baseUrl: `https://127.0.0.1:${port}` });
    await expect(strict.rootCaCrl()).rejects.toThrow(
      /not trusted; a local PCCS with a self-signed certificate needs the insecure TLS option/,
    );
    const relaxed = new PccsClient({ baseUrl: `https://127.0.0.1:${port}`, insecureTls: true });
    expect(await relaxed.rootCaCrl()).toMatch(/^30/);
  });

  it("uses an injected fetch", async () => {
    const seen: string[] = [];
    const client = new PccsClient({
      baseUrl: "https://pccs.example",
      fetch: async (url) => {
        seen.push(url);
        return new Response(collateral.root_ca_crl);
      },
    });
    expect(await client.rootCaCrl()).toBe(collateral.root_ca_crl.trim());
    expect(seen).toEqual(["https://pccs.example/sgx/certification/v4/rootcacrl"]);
  });

  it("refuses bad parameters before any request", async () => {
    expect(() => new PccsClient({ baseUrl: "localhost:8081" })).toThrow(/must use https or http/);
    expect(() => new PccsClient({ baseUrl: "https://h/sgx/certification/v2" })).toThrow(
      /v2 is not supported/,
    );
    const client = new PccsClient({
      baseUrl: "https://pccs.example",
      fetch: () => Promise.reject(new Error("no")),
    });
    await expect(client.tcbInfo("30606A")).rejects.toThrow(/FMSPC "30606A" must be 6 bytes of hex/);
  });
});

describe("collateralRequestForQuote", () => {
  it("asks for the FMSPC and CA of the quote's PCK certificate", () => {
    expect(collateralRequestForQuote(quote)).toEqual({ fmspc: "30606A000000", ca: "platform" });
  });
});

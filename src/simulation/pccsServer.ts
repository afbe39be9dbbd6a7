// A PCCS for simulated platforms: Intel's PCCS API (v4, and v3) over HTTPS or HTTP, serving collateral fresh at each request.
import { randomBytes } from "node:crypto";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
  type Server,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { crlToPem } from "./crl.js";
import { pckCrl, qeIdentityBody, revokedPcks, rootCaCrl, tcbInfoBody } from "./collateral.js";
import { defaultPlatformDir, loadPlatform, type Platform } from "./platform.js";
import { SIMULATION_ISSUER_CHAINS, type PckCaKind } from "./pki.js";
import { selfSignedTlsCertificate } from "./tlsCertificate.js";

export interface PccsServerOptions {
  /** Interface to listen on; 127.0.0.1 unless told otherwise. */
  host?: string;
  /** TCP port; 0 picks a free one. Defaults to 8081, the PCCS default. */
  port?: number;
  /** The platform directories whose FMSPCs and revocations it serves; defaults to the default platform. */
  platformDir?: string | string[];
  /** HTTPS with a fresh self-signed certificate (default), or plain HTTP when false. */
  tls?: boolean;
  /** Receives one line per request. */
  log?: (line: string) => void;
}

export interface PccsServer {
  /** Base URL, e.g. https://127.0.0.1:8081; the API lives under /sgx/certification/v4/. */
  url: string;
  /** The TLS certificate (PEM) and its SHA-256 fingerprint, when serving HTTPS, for clients that pin it. */
  tlsCertificatePem?: string;
  tlsFingerprint?: string;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: string | Uint8Array;
  headers?: Record<string, string>;
}

const API = /^\/sgx\/certification\/v([34])\/(pckcrl|tcb|qe\/identity|rootcacrl)\/?$/;
const FMSPC = /^[0-9a-fA-F]{12}$/;

/** Issuer chains travel URL-encoded in headers, as Intel's services send them. */
const chainHeader = (pem: string): string => encodeURIComponent(pem);
const text = (status: number, message: string): Reply => ({
  status,
  body: `${message}\n`,
  headers: { "Content-Type": "text/plain; charset=utf-8" },
});

function answer(
  version: 3 | 4,
  resource: string,
  query: URLSearchParams,
  platforms: readonly Platform[],
): Reply {
  const now = new Date();
  switch (resource) {
    case "pckcrl": {
      const ca = query.get("ca")?.toLowerCase();
      if (ca !== "platform" && ca !== "processor")
        return text(400, 'query parameter "ca" must be platform or processor');
      const encoding = query.get("encoding")?.toLowerCase() ?? "pem";
      if (encoding !== "pem" && encoding !== "der")
        return text(400, 'query parameter "encoding" must be pem or der');
      const der = pckCrl(ca as PckCaKind, revokedPcks(platforms), now);
      return {
        status: 200,
        body: encoding === "der" ? der : crlToPem(der),
        headers: {
          "Content-Type": encoding === "der" ? "application/pkix-crl" : "application/x-pem-file",
          "SGX-PCK-CRL-Issuer-Chain": chainHeader(SIMULATION_ISSUER_CHAINS.pckCrl[ca as PckCaKind]),
        },
      };
    }
    case "tcb": {
      const fmspc = query.get("fmspc") ?? "";
      if (!FMSPC.test(fmspc)) return text(400, 'query parameter "fmspc" must be 6 bytes of hexadecimal');
      const known = platforms.some((p) => Buffer.from(p.fmspc).toString("hex") === fmspc.toLowerCase());
      if (!known) return text(404, `no TCB info for FMSPC ${fmspc.toUpperCase()}`);
      return {
        status: 200,
        // API v4 serves TCB info v3 under TCB-Info-Issuer-Chain; API v3 served v2 under SGX-TCB-Info-Issuer-Chain.
        body: tcbInfoBody(now, version === 4 ? 3 : 2),
        headers: {
          "Content-Type": "application/json",
          [version === 4 ? "TCB-Info-Issuer-Chain" : "SGX-TCB-Info-Issuer-Chain"]: chainHeader(
            SIMULATION_ISSUER_CHAINS.tcbInfo,
          ),
        },
      };
    }
    case "qe/identity":
      return {
        status: 200,
        body: qeIdentityBody(now),
        headers: {
          "Content-Type": "application/json",
          "SGX-Enclave-Identity-Issuer-Chain": chainHeader(SIMULATION_ISSUER_CHAINS.qeIdentity),
        },
      };
    case "rootcacrl":
      // Intel's PCCS answers with the hex of the DER CRL.
      return {
        status: 200,
        body: Buffer.from(rootCaCrl(now)).toString("hex"),
        headers: { "Content-Type": "text/plain" },
      };
    default:
      return text(404, "not found");
  }
}

async function loadAll(dirs: readonly string[]): Promise<Platform[]> {
  return Promise.all(dirs.map((dir) => loadPlatform(dir)));
}

/** Starts the server; it re-reads the platform directories at each request, so `sim init` takes effect at once. */
export async function startPccsServer(options: PccsServerOptions = {}): Promise<PccsServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 8081;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`port must be 0..65535, got ${port}`);
  const dirs = [options.platformDir ?? defaultPlatformDir()].flat();
  if (dirs.length === 0) throw new Error("the simulated PCCS needs at least one platform directory");
  await loadAll(dirs); // fail now, with the platform's own message, rather than at the first request
  const log = options.log ?? (() => {});
  const tls = options.tls ?? true;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    const url = new URL(request.url ?? "/", "http://pccs.invalid");
    let reply: Reply;
    if (request.method !== "GET" && request.method !== "HEAD") {
      reply = { ...text(405, "only GET is supported"), headers: { Allow: "GET, HEAD" } };
    } else {
      const match = API.exec(url.pathname);
      if (!match) {
        reply = text(404, "not found");
      } else {
        try {
          reply = answer(Number(match[1]) as 3 | 4, match[2]!, url.searchParams, await loadAll(dirs));
        } catch (error) {
          log(`error: ${error instanceof Error ? error.message : String(error)}`);
          reply = text(500, "the simulated platform could not be read");
        }
      }
    }
    const body = typeof reply.body === "string" ? Buffer.from(reply.body, "utf8") : Buffer.from(reply.body);
    response.writeHead(reply.status, {
      ...reply.headers,
      "Content-Length": String(body.length),
      "Request-ID": randomBytes(16).toString("hex"),
    });
    response.end(request.method === "HEAD" ? undefined : body);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    log(`${request.method} ${url.pathname}${url.search} ${reply.status} ${body.length}B ${ms.toFixed(1)}ms`);
  };
  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    handle(request, response).catch((error: unknown) => {
      log(`error: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  };

  let server: Server;
  let identity: Awaited<ReturnType<typeof selfSignedTlsCertificate>> | undefined;
  if (tls) {
    identity = await selfSignedTlsCertificate(host);
    server = createHttpsServer({ key: identity.keyPem, cert: identity.certificatePem }, listener);
  } else {
    server = createHttpServer(listener);
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `${tls ? "https" : "http"}://${shownHost}:${address.port}`,
    ...(identity
      ? { tlsCertificatePem: identity.certificatePem, tlsFingerprint: identity.fingerprint256 }
      : {}),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

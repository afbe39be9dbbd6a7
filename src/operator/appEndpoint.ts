// Talking HTTPS to a spawned app from the operator's machine: where its port is published, and
// requests either open (to read the state or the certificate) or pinned to its RA-TLS certificate.
import { X509Certificate } from "node:crypto";
import http from "node:http";
import { isIP } from "node:net";
import tls, { type TLSSocket } from "node:tls";
import type { AppContainer } from "../docker/appContainer.js";

/** Where the app answers on this machine. */
export interface AppEndpoint {
  /** Address to connect to (the published binding; 0.0.0.0 and :: become loopback). */
  address: string;
  port: number;
  /** The certificate's name (spawn's --host), sent as SNI when it is a DNS name. */
  host: string;
}

/** The app's published endpoint; the labels' port when the engine reports no binding. */
export function appEndpoint(app: AppContainer): AppEndpoint {
  const hostIp = app.binding?.hostIp ?? "";
  const address = hostIp === "" || hostIp === "0.0.0.0" ? "127.0.0.1" : hostIp === "::" ? "::1" : hostIp;
  return { address, port: app.binding?.hostPort || app.labels.port, host: app.labels.host };
}

export interface AppReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The certificate the app presented, PEM. */
  certificatePem: string;
}

export interface AppRequest {
  method?: "GET" | "POST";
  path?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /**
   * Only talk to a server presenting exactly this certificate (PEM): the request is written only
   * after the handshake proved the server holds its key. Without it any certificate is accepted,
   * which is only for requests that carry nothing secret.
   */
  pinnedCertificatePem?: string;
  timeoutMs?: number;
  /** Largest body read (the rest is refused). */
  maxBodyBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BODY = 1024 * 1024;

/**
 * Opens TLS to the app and checks the certificate before any byte of the request is written:
 * with a pin, a server that is not the enclave learns nothing.
 */
function connectTls(endpoint: AppEndpoint, pinned: X509Certificate | undefined, timeoutMs: number) {
  return new Promise<{ socket: TLSSocket; certificate: X509Certificate | undefined }>((resolve, reject) => {
    const socket = tls.connect({
      host: endpoint.address,
      port: endpoint.port,
      // The RA-TLS certificate is self-signed and trusted through its quote, not through a CA.
      rejectUnauthorized: false,
      ...(isIP(endpoint.host) === 0 ? { servername: endpoint.host } : {}),
    });
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no TLS handshake within ${timeoutMs / 1000} s`)));
    socket.once("error", fail);
    socket.once("secureConnect", () => {
      socket.removeListener("error", fail);
      socket.setTimeout(0);
      const certificate = socket.getPeerX509Certificate();
      if (pinned && !(certificate && certificate.raw.equals(pinned.raw))) {
        return fail(new Error("the app presented another certificate than its RA-TLS certificate"));
      }
      resolve({ socket, certificate });
    });
  });
}

/** One HTTPS request to the app; rejects on connection, TLS and pinning failures. */
export async function requestApp(endpoint: AppEndpoint, request: AppRequest = {}): Promise<AppReply> {
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBody = request.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const pinned =
    request.pinnedCertificatePem === undefined
      ? undefined
      : new X509Certificate(request.pinnedCertificatePem);
  const { socket, certificate } = await connectTls(endpoint, pinned, timeoutMs);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        createConnection: () => socket,
        host: endpoint.host,
        port: endpoint.port,
        method: request.method ?? "GET",
        path: request.path ?? "/",
        headers: {
          ...(request.body !== undefined
            ? { "Content-Length": String(Buffer.byteLength(request.body)) }
            : {}),
          ...request.headers,
          Connection: "close",
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBody) {
            res.destroy(new Error(`the app's answer is larger than ${maxBody} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on("error", reject);
        res.on("end", () => {
          socket.destroy();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            certificatePem: certificate?.toString() ?? "",
          });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on("error", (error) => {
      socket.destroy();
      reject(error);
    });
    req.end(request.body);
  });
}

/** The `Mse-Status` header the configuration server sets ("Waiting"), if any. */
export function mseStatusOf(reply: AppReply): string | undefined {
  const value = reply.headers["mse-status"];
  return Array.isArray(value) ? value[0] : value;
}

/** The first line of an error body the app sent (the configuration server answers one sentence). */
export function replySentence(reply: AppReply): string {
  const text = reply.body.toString("utf8").trim().split("\n")[0] ?? "";
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

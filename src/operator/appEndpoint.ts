// Talking HTTPS to a spawned app from the operator's machine: where its port is published, and
// requests either open (to read the state or the certificate) or pinned to its RA-TLS certificate.
import { X509Certificate } from "node:crypto";
import http from "node:http";
import { isIP } from "node:net";
import tls, { type TLSSocket } from "node:tls";
import type { Duplex } from "node:stream";
import type { AppContainer } from "../docker/appContainer.js";
import type { EngineReach } from "../docker/engine.js";
import type { SshTarget } from "../docker/sshEngine.js";

/** Where the app answers, and how this machine reaches it. */
export interface AppEndpoint {
  /** Address to connect to (the published binding; 0.0.0.0 and :: become the engine's host). */
  address: string;
  port: number;
  /** The certificate's name (spawn's --host), sent as SNI when it is a DNS name. */
  host: string;
  /** Opens the stream to the app when it is not reached directly: an SSH tunnel to the engine's machine. */
  dial?: () => Promise<Duplex>;
  /** Where the app is, for messages ("127.0.0.1:8443", "127.0.0.1:8443 on ssh://op@sgx-1"). */
  where?: string;
  /** Why this machine cannot reach the app at all (published on a tcp:// engine's loopback). */
  unreachable?: AppUnreachableError;
}

/** The app's published port is on a loopback address of a machine this one reaches only over TCP. */
export class AppUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AppUnreachableError";
  }
}

function isLoopback(address: string): boolean {
  return address === "localhost" || address === "::1" || (isIP(address) === 4 && address.startsWith("127."));
}

/**
 * Where a port published on `hostIp` of the engine's machine is reached from here: directly on
 * a local engine, at the engine's host for tcp://, through an SSH tunnel for ssh://. Throws
 * AppUnreachableError when a tcp:// engine publishes on its own loopback.
 */
export function publishedAddress(
  reach: EngineReach,
  hostIp: string,
): { address: string; through?: SshTarget } {
  const everywhere = hostIp === "" || hostIp === "0.0.0.0" || hostIp === "::";
  const loopback = hostIp === "::" ? "::1" : "127.0.0.1";
  switch (reach.kind) {
    case "local":
      return { address: everywhere ? loopback : hostIp };
    case "ssh":
      return { address: everywhere ? loopback : hostIp, through: reach.ssh };
    case "tcp":
      if (everywhere) return { address: reach.host };
      if (isLoopback(hostIp) && !isLoopback(reach.host)) {
        throw new AppUnreachableError(
          `a port published on ${hostIp} of ${reach.host} cannot be reached from this machine over tcp://; publish it on an address of that machine (--bind 0.0.0.0 or its IP) or reach the engine over ssh://`,
        );
      }
      return { address: hostIp };
  }
}

/** The app's published endpoint; the labels' port when the engine reports no binding. */
export function appEndpoint(app: AppContainer, reach: EngineReach = { kind: "local" }): AppEndpoint {
  const port = app.binding?.hostPort || app.labels.port;
  let published: ReturnType<typeof publishedAddress>;
  try {
    published = publishedAddress(reach, app.binding?.hostIp ?? "");
  } catch (error) {
    if (!(error instanceof AppUnreachableError)) throw error;
    // An app spawned over another transport: every connection attempt says why it cannot be.
    const address = app.binding?.hostIp ?? "127.0.0.1";
    return { address, port, host: app.labels.host, where: `${address}:${port}`, unreachable: error };
  }
  const { address, through } = published;
  const where = `${address.includes(":") ? `[${address}]` : address}:${port}`;
  if (!through) return { address, port, host: app.labels.host, where };
  return {
    address,
    port,
    host: app.labels.host,
    dial: () => through.forward(address, port),
    where: `${where} on ssh://${through.username}@${through.host}`,
  };
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
async function connectTls(endpoint: AppEndpoint, pinned: X509Certificate | undefined, timeoutMs: number) {
  if (endpoint.unreachable) throw endpoint.unreachable;
  const tunnel = endpoint.dial ? await withTimeout(endpoint.dial(), timeoutMs, "no SSH tunnel") : undefined;
  return new Promise<{ socket: TLSSocket; certificate: X509Certificate | undefined }>((resolve, reject) => {
    const socket = tls.connect({
      ...(tunnel ? { socket: tunnel } : { host: endpoint.address, port: endpoint.port }),
      // The RA-TLS certificate is self-signed and trusted through its quote, not through a CA.
      rejectUnauthorized: false,
      ...(isIP(endpoint.host) === 0 ? { servername: endpoint.host } : {}),
    });
    const fail = (error: Error): void => {
      socket.destroy();
      tunnel?.destroy();
      reject(error);
    };
    // The tunnel lives as long as the TLS connection over it (and with it its SSH connection).
    if (tunnel) socket.once("close", () => tunnel.destroy());
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

/** Rejects when `promise` takes longer than `timeoutMs`; a late result is closed. */
async function withTimeout(promise: Promise<Duplex>, timeoutMs: number, what: string): Promise<Duplex> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      promise.then(
        (late) => late.destroy(),
        () => undefined,
      );
      reject(new Error(`${what} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** The certificate the app presents (PEM), read from a bare TLS handshake: nothing is sent. */
export async function fetchAppPeerCertificate(
  endpoint: AppEndpoint,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<string> {
  let connection;
  try {
    connection = await connectTls(endpoint, undefined, timeoutMs);
  } catch (error) {
    throw new Error(
      `cannot read the TLS certificate of ${endpoint.where ?? `${endpoint.address}:${endpoint.port}`}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  // Nothing was sent and nothing will be: close at once rather than wait for the server's half.
  connection.socket.destroy();
  if (!connection.certificate)
    throw new Error(`the server at ${endpoint.where ?? endpoint.address} sent no certificate`);
  return connection.certificate.toString();
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

// The configuration server: on the app port, over RA-TLS, it answers every GET with
// `Mse-Status: Waiting` and accepts one valid POST / of the configuration payload (401 wrong
// uuid, 400 malformed, 413 too large, 503 while too many bodies are in flight). Then it closes so
// the app can take the port. Anyone who reaches the port can talk to it, so every connection,
// header, body and idle period is bounded (configurationServerLimits.ts) and refusals are logged
// without quoting what was received (refusalLog.ts).
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import {
  ConfigurationPayloadError,
  parseConfigurationPayload,
  type ConfigurationPayload,
} from "../model/configurationPayload.js";
import { CONFIGURATION_SERVER_LIMITS, type ConfigurationServerLimits } from "./configurationServerLimits.js";
import { RefusalLog } from "./refusalLog.js";

/** Thrown by `accept` when the payload parses but cannot be used (e.g. a key that opens nothing). */
export class ConfigurationRejected extends Error {
  override name = "ConfigurationRejected";
}

export interface ConfigurationServerOptions {
  tls: { key: string; cert: string };
  host?: string;
  port: number;
  /** The enclave's id (`--id`); a payload with another uuid is refused with 401. */
  uuid: string;
  /** Overrides of CONFIGURATION_SERVER_LIMITS (tests use small ones). */
  limits?: Partial<ConfigurationServerLimits>;
  /** Uses the payload (unseals, decrypts, stores). Throwing ConfigurationRejected answers 400. */
  accept(payload: ConfigurationPayload): Promise<void>;
  log(line: string): void;
}

export interface ConfigurationServer {
  port: number;
  /** Settles once a payload was accepted and the server has closed. */
  configured: Promise<void>;
  close(): Promise<void>;
}

/** Beyond this declared size the body is not even drained: 413 and the connection closes. */
const DRAIN_LIMIT_FACTOR = 8;

/** Status lines for requests the HTTP parser refuses before any handler sees them. */
const CLIENT_ERRORS: Record<string, { status: string; kind: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: "431 Request Header Fields Too Large",
    kind: "requests with oversized headers",
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: "408 Request Timeout",
    kind: "connections timed out before sending a whole request",
  },
};
const MALFORMED = { status: "400 Bad Request", kind: "malformed HTTP requests" };

function send(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = `${message}\n`;
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(body);
}

/** Bytes of POST bodies held in memory across all connections, against one ceiling. */
class BodyBudget {
  private used = 0;
  constructor(private readonly max: number) {}
  take(bytes: number): boolean {
    if (this.used + bytes > this.max) return false;
    this.used += bytes;
    return true;
  }
  give(bytes: number): void {
    this.used -= bytes;
  }
}

type BodyResult =
  { kind: "body"; text: string } | { kind: "too-large" } | { kind: "busy" } | { kind: "aborted" };

/**
 * Reads the body up to `limit` bytes taken from `budget` (given back before it resolves); past the
 * limit, drains (bounded) so the client can read the 413.
 */
function readBody(req: IncomingMessage, limit: number, budget: BodyBudget): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let held = 0;
    let tooLarge = false;
    const finish = (result: BodyResult): void => {
      budget.give(held);
      held = 0;
      chunks.length = 0;
      resolve(result);
    };
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        budget.give(held);
        held = 0;
        chunks.length = 0;
        if (size > limit * DRAIN_LIMIT_FACTOR) {
          req.pause();
          finish({ kind: "too-large" });
        }
        return;
      }
      if (!budget.take(chunk.length)) {
        req.pause();
        finish({ kind: "busy" });
        return;
      }
      held += chunk.length;
      chunks.push(chunk);
    });
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      finish(tooLarge ? { kind: "too-large" } : { kind: "body", text });
    });
    req.on("error", () => finish({ kind: "aborted" }));
    req.on("close", () => {
      if (!req.complete) finish({ kind: "aborted" });
    });
  });
}

export function startConfigurationServer(options: ConfigurationServerOptions): Promise<ConfigurationServer> {
  const limits: ConfigurationServerLimits = { ...CONFIGURATION_SERVER_LIMITS, ...options.limits };
  const { maxBodyBytes } = limits;
  const refusals = new RefusalLog(options.log);
  const budget = new BodyBudget(limits.maxBufferedBodyBytes);
  let state: "waiting" | "configuring" | "configured" = "waiting";
  let resolveConfigured!: () => void;
  const configured = new Promise<void>((resolve) => (resolveConfigured = resolve));

  const server = https.createServer({
    key: options.tls.key,
    cert: options.tls.cert,
    handshakeTimeout: limits.tlsHandshakeTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
    connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
    maxHeaderSize: limits.maxHeaderBytes,
  });
  server.maxConnections = limits.maxConnections;
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  server.maxHeadersCount = limits.maxHeaderCount;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.setTimeout(limits.socketIdleTimeoutMs);

  // Every TCP connection, TLS handshakes included: closing must not wait for a stalled client.
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("drop", () => refusals.dropped("connections over the limit closed at once"));
  server.on("tlsClientError", () => refusals.dropped("TLS handshakes failed or timed out"));
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    // https also reports TLS failures here (counted above): only the HTTP parser's errors get an answer.
    const http = error.code?.startsWith("HPE_") === true || error.code === "ERR_HTTP_REQUEST_TIMEOUT";
    if (!http || !socket.writable) {
      socket.destroy();
      return;
    }
    const { status, kind } = CLIENT_ERRORS[error.code ?? ""] ?? MALFORMED;
    refusals.dropped(kind);
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () =>
      socket.destroy(),
    );
  });

  let closing: Promise<void> | undefined;
  const closeServer = (): Promise<void> => {
    closing ??= new Promise((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
      refusals.flush();
    });
    return closing;
  };

  const tooLarge = (res: ServerResponse): void => {
    refusals.refused(413, `the configuration payload is larger than ${maxBodyBytes} bytes`);
    send(res, 413, `the configuration payload is larger than ${maxBodyBytes} bytes`, { connection: "close" });
  };

  const handlePost = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (Number.isFinite(declared) && declared > maxBodyBytes * DRAIN_LIMIT_FACTOR) {
      tooLarge(res);
      return;
    }
    const body = await readBody(req, maxBodyBytes, budget);
    if (body.kind === "aborted") return;
    if (body.kind === "too-large") {
      tooLarge(res);
      return;
    }
    if (body.kind === "busy") {
      refusals.refused(503, "too many configuration payloads are arriving at once");
      send(res, 503, "the configuration server is busy; retry in a few seconds", {
        "retry-after": "5",
        connection: "close",
      });
      return;
    }
    if (state !== "waiting") {
      refusals.refused(409, "a configuration is already being applied");
      send(res, 409, "a configuration is already being applied");
      return;
    }
    state = "configuring";
    try {
      const payload = parseConfigurationPayload(body.text, options.uuid);
      await options.accept(payload);
    } catch (error) {
      state = "waiting";
      if (error instanceof ConfigurationPayloadError) {
        refusals.refused(error.status, error.logMessage);
        send(res, error.status, error.message);
        return;
      }
      if (error instanceof ConfigurationRejected) {
        refusals.refused(400, error.message);
        send(res, 400, error.message);
        return;
      }
      options.log(`configuration failed: ${error instanceof Error ? error.message : String(error)}`);
      send(res, 500, "the enclave could not apply the configuration");
      return;
    }
    state = "configured";
    options.log("configuration accepted");
    res.on("finish", () => {
      void closeServer().then(resolveConfigured);
    });
    send(res, 200, "configuration accepted; the application is starting", {
      "mse-status": "Configured",
      connection: "close",
    });
  };

  // Node announces `Connection: close` on the last request the cap allows but keeps the socket open
  // (until the keep-alive time-out) unless the header is set by the handler.
  const requestsServed = new WeakMap<Socket, number>();
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const served = (requestsServed.get(req.socket) ?? 0) + 1;
    requestsServed.set(req.socket, served);
    if (served >= limits.maxRequestsPerSocket) res.setHeader("connection", "close");
    if (req.method === "GET" || req.method === "HEAD") {
      req.resume();
      send(res, 200, "waiting for the configuration", { "mse-status": "Waiting" });
      return;
    }
    if (req.method === "POST") {
      if ((req.url ?? "/").split("?")[0] !== "/") {
        req.resume();
        refusals.refused(404, "a POST to another path than /");
        send(res, 404, "the configuration is posted to /");
        return;
      }
      handlePost(req, res).catch((error: unknown) => {
        options.log(
          `configuration request failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        if (!res.headersSent) send(res, 500, "the enclave could not apply the configuration");
      });
      return;
    }
    req.resume();
    refusals.refused(405, "a method other than GET, HEAD and POST");
    send(res, 405, "the configuration server answers GET and POST only", { allow: "GET, HEAD, POST" });
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      const port = (server.address() as AddressInfo).port;
      resolve({ port, configured, close: closeServer });
    });
  });
}

// The configuration server: on the app port, over RA-TLS, it answers every GET with
// `Mse-Status: Waiting` and accepts one valid POST / of the configuration payload (401 wrong
// uuid, 400 malformed, 413 too large). Then it closes so the app can take the port.
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CONFIGURATION_PAYLOAD_MAX_BYTES,
  ConfigurationPayloadError,
  parseConfigurationPayload,
  type ConfigurationPayload,
} from "../model/configurationPayload.js";

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
  maxBodyBytes?: number;
  /** Seconds a client has to send its whole request. */
  requestTimeoutSeconds?: number;
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

type BodyResult = { kind: "body"; text: string } | { kind: "too-large" } | { kind: "aborted" };

/** Reads the body up to `limit` bytes; past it, drains (bounded) so the client can read the 413. */
function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        if (size > limit * DRAIN_LIMIT_FACTOR) {
          req.pause();
          resolve({ kind: "too-large" });
        }
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () =>
      resolve(
        tooLarge ? { kind: "too-large" } : { kind: "body", text: Buffer.concat(chunks).toString("utf8") },
      ),
    );
    req.on("error", () => resolve({ kind: "aborted" }));
    req.on("close", () => {
      if (!req.complete) resolve({ kind: "aborted" });
    });
  });
}

export function startConfigurationServer(options: ConfigurationServerOptions): Promise<ConfigurationServer> {
  const maxBodyBytes = options.maxBodyBytes ?? CONFIGURATION_PAYLOAD_MAX_BYTES;
  const requestTimeoutMs = (options.requestTimeoutSeconds ?? 30) * 1000;
  let state: "waiting" | "configuring" | "configured" = "waiting";
  let resolveConfigured!: () => void;
  const configured = new Promise<void>((resolve) => (resolveConfigured = resolve));

  const server = https.createServer({
    key: options.tls.key,
    cert: options.tls.cert,
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(requestTimeoutMs, 10_000),
    maxHeaderSize: 16 * 1024,
  });

  const closeServer = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });

  const handlePost = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (Number.isFinite(declared) && declared > maxBodyBytes * DRAIN_LIMIT_FACTOR) {
      send(res, 413, `the configuration payload is larger than ${maxBodyBytes} bytes`, {
        connection: "close",
      });
      return;
    }
    const body = await readBody(req, maxBodyBytes);
    if (body.kind === "aborted") return;
    if (body.kind === "too-large") {
      send(res, 413, `the configuration payload is larger than ${maxBodyBytes} bytes`, {
        connection: "close",
      });
      return;
    }
    if (state !== "waiting") {
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
        options.log(`configuration refused (${error.status}): ${error.message}`);
        send(res, error.status, error.message);
        return;
      }
      if (error instanceof ConfigurationRejected) {
        options.log(`configuration refused (400): ${error.message}`);
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

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "GET" || req.method === "HEAD") {
      req.resume();
      send(res, 200, "waiting for the configuration", { "mse-status": "Waiting" });
      return;
    }
    if (req.method === "POST") {
      if ((req.url ?? "/").split("?")[0] !== "/") {
        req.resume();
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
    send(res, 405, "the configuration server answers GET and POST only", { allow: "GET, HEAD, POST" });
  });
  server.on("tlsClientError", () => {
    // A client that never completes the handshake (a port probe) is not worth a log line.
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

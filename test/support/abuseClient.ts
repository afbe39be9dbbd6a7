// A hostile client of the configuration server, for the unit and e2e abuse tests: idle TLS
// connections, slowloris headers and bodies, oversized headers, floods of bad POSTs, TLS garbage,
// and the legitimate GET that must still answer meanwhile. Everything talks to 127.0.0.1 only and
// every operation is bounded in time. (No test framework here: benchmarks may import it too.)
import { fork } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import tls from "node:tls";

const HOST = "127.0.0.1";

/** How a connection the client opened ended, and after how long. */
export interface ConnectionEnd {
  /** The server closed it (rather than this client, or a time-out of this client). */
  closedByServer: boolean;
  /** Milliseconds from the start of the abuse to the close. */
  afterMs: number;
  /** Everything the server sent, as latin1 text (status lines are ASCII). */
  received: string;
}

/** Sockets this client closed itself, so their end is not counted as the server's doing. */
const closedByClient = new WeakSet<net.Socket>();

function closeFromClient(socket: net.Socket): void {
  closedByClient.add(socket);
  socket.destroy();
}

/** Waits for the socket to close, or gives up (and destroys it) after `timeoutMs`. */
function endOf(socket: net.Socket, startedAt: number, timeoutMs: number): Promise<ConnectionEnd> {
  return new Promise((resolve) => {
    if (socket.destroyed) {
      resolve({ closedByServer: !closedByClient.has(socket), afterMs: Date.now() - startedAt, received: "" });
      return;
    }
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      if (received.length < 4096) received += chunk.toString("latin1");
    });
    socket.on("error", () => undefined);
    const timer = setTimeout(() => closeFromClient(socket), timeoutMs);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve({ closedByServer: !closedByClient.has(socket), afterMs: Date.now() - startedAt, received });
    });
  });
}

/** A TLS connection that completed its handshake (the client trusts anything: it is the attacker). */
export function connectTls(port: number, timeoutMs = 10_000): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: HOST, port, servername: "localhost", rejectUnauthorized: false });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TLS handshake within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Runs `task(i)` for i in 0..count-1 with at most `concurrency` at once. */
async function pooled<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

export interface IdleConnections {
  /** Connections whose handshake completed. */
  opened: number;
  /** Connections still open now. */
  stillOpen(): number;
  /** How each connection ended: by the server, or by this client after `holdMs` or `close`. */
  ends: Promise<ConnectionEnd[]>;
  close(): void;
}

/**
 * Opens `count` TLS connections, `concurrency` handshakes at a time, that complete the handshake
 * and then send nothing for at most `holdMs`.
 */
export async function openIdleConnections(
  port: number,
  count: number,
  holdMs: number,
  concurrency = 10,
): Promise<IdleConnections> {
  const startedAt = Date.now();
  const sockets = await pooled(count, concurrency, (): Promise<tls.TLSSocket | undefined> =>
    connectTls(port).catch(() => undefined),
  );
  const open = sockets.filter((socket): socket is tls.TLSSocket => socket !== undefined);
  const ends = Promise.all(open.map((socket) => endOf(socket, startedAt, holdMs)));
  return {
    opened: open.length,
    stillOpen: () => open.filter((socket) => !socket.destroyed).length,
    ends,
    close: () => open.forEach(closeFromClient),
  };
}

/** Sends a request's headers one short line every `intervalMs`, never finishing them. */
export async function slowlorisHeaders(
  port: number,
  intervalMs: number,
  timeoutMs: number,
): Promise<ConnectionEnd> {
  const startedAt = Date.now();
  const socket = await connectTls(port);
  socket.write("GET / HTTP/1.1\r\nHost: localhost\r\n");
  let line = 0;
  const timer = setInterval(() => socket.write(`X-Slow-${line++}: ${"a".repeat(4)}\r\n`), intervalMs);
  const end = await endOf(socket, startedAt, timeoutMs);
  clearInterval(timer);
  return end;
}

/** Announces a body of `declaredBytes` and sends one byte every `intervalMs`, never finishing it. */
export async function slowlorisBody(
  port: number,
  declaredBytes: number,
  intervalMs: number,
  timeoutMs: number,
): Promise<ConnectionEnd> {
  const startedAt = Date.now();
  const socket = await connectTls(port);
  socket.write(
    `POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${declaredBytes}\r\n\r\n{`,
  );
  const timer = setInterval(() => socket.write(" "), intervalMs);
  const end = await endOf(socket, startedAt, timeoutMs);
  clearInterval(timer);
  return end;
}

/** Sends one request whose headers total `headerBytes`; resolves with how the server ended it. */
export async function oversizedHeaders(
  port: number,
  headerBytes: number,
  timeoutMs = 10_000,
): Promise<ConnectionEnd> {
  const startedAt = Date.now();
  const socket = await connectTls(port);
  socket.write(`GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ${"b".repeat(headerBytes)}\r\n\r\n`);
  return endOf(socket, startedAt, timeoutMs);
}

/** Bytes that are not a TLS session, sent to the TLS port over plain TCP. */
export type TlsGarbage = "random bytes" | "truncated handshake" | "plain HTTP";

let clientHello: Buffer | undefined;

/** A genuine TLS ClientHello, captured once from Node's own client against a local listener. */
async function captureClientHello(): Promise<Buffer> {
  if (clientHello) return clientHello;
  const listener = net.createServer();
  const captured = new Promise<Buffer>((resolve) =>
    listener.once("connection", (socket) =>
      socket.once("data", (chunk: Buffer) => {
        resolve(chunk);
        socket.destroy();
      }),
    ),
  );
  await new Promise<void>((resolve) => listener.listen(0, HOST, resolve));
  const { port } = listener.address() as net.AddressInfo;
  const client = tls.connect({ host: HOST, port, servername: "localhost", rejectUnauthorized: false });
  client.on("error", () => undefined);
  clientHello = await captured;
  client.destroy();
  await new Promise((resolve) => listener.close(resolve));
  return clientHello;
}

/** Sends garbage to the TLS port over TCP and keeps the connection open until the server ends it. */
export async function sendTlsGarbage(
  port: number,
  kind: TlsGarbage,
  timeoutMs: number,
): Promise<ConnectionEnd> {
  const bytes =
    kind === "random bytes"
      ? randomBytes(4096)
      : kind === "plain HTTP"
        ? Buffer.from("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        : (await captureClientHello()).subarray(0, 40);
  const startedAt = Date.now();
  const socket = net.connect({ host: HOST, port });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.write(bytes);
  return endOf(socket, startedAt, timeoutMs);
}

export interface PostFlood {
  /** Answers counted by status code. */
  statuses: Record<number, number>;
  /** Requests that got no answer (connection errors), with one example message. */
  failed: number;
  firstFailure?: string;
  elapsedMs: number;
}

/** POSTs `count` bodies over `concurrency` keep-alive connections (the agent reconnects when the server closes one). */
export async function postFlood(
  port: number,
  count: number,
  concurrency: number,
  body: (i: number) => string,
): Promise<PostFlood> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency, rejectUnauthorized: false });
  const result: PostFlood = { statuses: {}, failed: 0, elapsedMs: 0 };
  const startedAt = Date.now();
  const post = (payload: string, retried: boolean): Promise<void> =>
    new Promise((resolve) => {
      const req = https.request(
        {
          host: HOST,
          port,
          method: "POST",
          path: "/",
          servername: "localhost",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
          timeout: 10_000,
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            const status = res.statusCode ?? 0;
            result.statuses[status] = (result.statuses[status] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error("no answer within 10 s")));
      req.on("error", (error) => {
        // A kept-alive socket the server closed just as it was reused: send again once, as browsers do.
        if (req.reusedSocket && !retried) {
          resolve(post(payload, true));
          return;
        }
        result.failed += 1;
        result.firstFailure ??= error.message;
        resolve();
      });
      req.end(payload);
    });
  await pooled(count, concurrency, (i) => post(body(i), false));
  agent.destroy();
  result.elapsedMs = Date.now() - startedAt;
  return result;
}

/**
 * A POST body the configuration server must refuse, carrying `marker`: a wrong uuid, broken JSON,
 * an unknown field, or invalid values under the right uuid `id`, in turn.
 */
export function hostileConfigurationBody(i: number, id: string, marker: string): string {
  switch (i % 4) {
    case 0:
      return JSON.stringify({ uuid: randomUUID(), app_secrets: { key: marker } });
    case 1:
      return `{"uuid": "${id}", "app_secrets": "${marker}`;
    case 2:
      return JSON.stringify({ uuid: id, [marker]: marker });
    default:
      return JSON.stringify({ uuid: id, code_secret_key: marker, app_secrets: marker });
  }
}

/** How a batch of idle connections ended. */
export interface IdleSummary {
  closedByServer: number;
  answered408: number;
  /** Milliseconds from the first connection to the last close. */
  longestMs: number;
}

/** A child process running abuseProcess.ts; `next` resolves with its next report. */
export interface AbuseProcess {
  next<T>(): Promise<T>;
}

/** Starts abuseProcess.ts with `args` (see there). */
export function startAbuseProcess(args: (string | number)[]): AbuseProcess {
  const script = new URL("./abuseProcess.ts", import.meta.url);
  const child = fork(
    script,
    args.map((arg) => String(arg)),
    { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  // The attacker's CPU is not the enclave's: lowest priority, so sharing this machine's cores
  // does not make the server look slower than an attack from elsewhere would.
  if (child.pid !== undefined) os.setPriority(child.pid, 19);
  const messages: unknown[] = [];
  const waiting: { resolve(message: unknown): void; reject(error: Error): void }[] = [];
  let ended: Error | undefined;
  child.on("message", (message) => {
    const waiter = waiting.shift();
    if (waiter) waiter.resolve(message);
    else messages.push(message);
  });
  child.once("exit", (code) =>
    // Reports sent just before exiting may still be on their way.
    setTimeout(() => {
      ended = new Error(`the abuse process ${args[0]} exited with ${code} before reporting`);
      for (const waiter of waiting.splice(0)) waiter.reject(ended);
    }, 200),
  );
  return {
    next<T>() {
      if (messages.length > 0) return Promise.resolve(messages.shift() as T);
      if (ended) return Promise.reject(ended);
      return new Promise<T>((resolve, reject) =>
        waiting.push({ resolve: (message) => resolve(message as T), reject }),
      );
    },
  };
}

export interface GetProbe {
  status: number;
  mseStatus: string | undefined;
  elapsedMs: number;
}

/** One GET on a fresh connection that must answer within `timeoutMs`, or it rejects saying so. */
export function timedGet(port: number, timeoutMs = 1_000, ca?: string): Promise<GetProbe> {
  const startedAt = Date.now();
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: HOST,
        port,
        path: "/",
        servername: "localhost",
        agent: false,
        ...(ca ? { ca } : { rejectUnauthorized: false }),
      },
      (res) => {
        res.resume();
        res.on("end", () => {
          clearTimeout(timer);
          const header = res.headers["mse-status"];
          resolve({
            status: res.statusCode ?? 0,
            mseStatus: Array.isArray(header) ? header[0] : header,
            elapsedMs: Date.now() - startedAt,
          });
        });
      },
    );
    const timer = setTimeout(
      () => req.destroy(new Error(`the GET did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}

export interface GetProbes {
  /** GETs that answered, each within the time-out. */
  answered: GetProbe[];
  /** GETs that did not, with when they started (ms after the probing began) and why. */
  failed: { atMs: number; error: string }[];
}

/** Probes with `timedGet` every `intervalMs` until stopped; `stop` resolves with every probe. */
export function probeGetsContinuously(
  port: number,
  intervalMs: number,
  timeoutMs = 1_000,
): { stop(): Promise<GetProbes> } {
  const result: GetProbes = { answered: [], failed: [] };
  const startedAt = Date.now();
  let running = true;
  const loop = (async () => {
    while (running) {
      const atMs = Date.now() - startedAt;
      try {
        result.answered.push(await timedGet(port, timeoutMs));
      } catch (error) {
        result.failed.push({ atMs, error: (error as Error).message });
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return result;
    },
  };
}

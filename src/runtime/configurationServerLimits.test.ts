// Each limit of the configuration server, shown on an in-process server on 127.0.0.1 with limits
// small enough to bite within a second or two.
import type { TLSSocket } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import {
  connectTls,
  oversizedHeaders,
  openIdleConnections,
  postFlood,
  sendTlsGarbage,
  slowlorisBody,
  slowlorisHeaders,
  timedGet,
  type TlsGarbage,
} from "../../test/support/abuseClient.js";
import { serializeConfigurationPayload, type ConfigurationPayload } from "../model/configurationPayload.js";
import { startConfigurationServer, type ConfigurationServer } from "./configurationServer.js";
import { CONFIGURATION_SERVER_LIMITS, type ConfigurationServerLimits } from "./configurationServerLimits.js";
import { createRaTlsCertificate, generateTlsKey } from "./raTlsCertificate.js";

const ID = "0a7d1f04-5a0e-4e8a-9c3e-2b1f6f1f7c11";
let server: ConfigurationServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(limits: Partial<ConfigurationServerLimits>) {
  const key = await generateTlsKey();
  const cert = await createRaTlsCertificate({
    key,
    san: "localhost",
    notAfter: new Date(Date.now() + 3_600_000),
    quote: new Uint8Array([1, 2, 3]),
  });
  const logs: string[] = [];
  const accepted: ConfigurationPayload[] = [];
  server = await startConfigurationServer({
    tls: { key: key.privateKeyPem, cert },
    host: "127.0.0.1",
    port: 0,
    uuid: ID,
    limits: { timeoutCheckIntervalMs: 100, ...limits },
    accept: async (payload) => {
      accepted.push(payload);
    },
    log: (line) => logs.push(line),
  });
  return { port: server.port, logs, accepted };
}

/** Reads from a TLS socket until the server closes it. */
function readUntilClosed(socket: TLSSocket): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
    socket.on("error", () => undefined);
    socket.once("close", () => resolve(text));
  });
}

describe("configuration server limits", () => {
  it("has defaults a real network tolerates, each time-out shorter than the idle backstop", () => {
    const limits = CONFIGURATION_SERVER_LIMITS;
    expect(limits.maxConnections).toBeGreaterThan(1000);
    expect(limits.headersTimeoutMs).toBeLessThanOrEqual(limits.requestTimeoutMs);
    expect(limits.maxBodyBytes).toBe(1024 * 1024);
    expect(limits.maxBufferedBodyBytes).toBeGreaterThanOrEqual(limits.maxBodyBytes);
    for (const timeout of [
      limits.tlsHandshakeTimeoutMs,
      limits.headersTimeoutMs,
      limits.keepAliveTimeoutMs,
    ]) {
      expect(timeout).toBeGreaterThanOrEqual(5_000);
      expect(timeout).toBeLessThan(limits.socketIdleTimeoutMs);
    }
  });

  it("closes a connection over the limit at once, and serves again once below it", async () => {
    const { port } = await start({ maxConnections: 5 });
    const idle = await openIdleConnections(port, 5, 5_000);
    expect(idle.opened).toBe(5);
    const extra = await sendTlsGarbage(port, "truncated handshake", 5_000);
    expect(extra.closedByServer).toBe(true);
    expect(extra.afterMs).toBeLessThan(1_000);
    expect(extra.received).toBe("");
    idle.close();
    await idle.ends;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await timedGet(port)).mseStatus).toBe("Waiting");
  });

  it.each<TlsGarbage>(["truncated handshake", "random bytes", "plain HTTP"])(
    "closes a TLS connection that sends %s, within the handshake time-out",
    async (kind) => {
      const { port } = await start({ tlsHandshakeTimeoutMs: 600 });
      const end = await sendTlsGarbage(port, kind, 5_000);
      expect(end.closedByServer).toBe(true);
      expect(end.afterMs).toBeLessThan(2_000);
      expect((await timedGet(port)).status).toBe(200);
    },
  );

  it("answers 408 and closes a connection that sends no request within the header time-out", async () => {
    const { port } = await start({ headersTimeoutMs: 600 });
    const idle = await openIdleConnections(port, 3, 5_000);
    const ends = await idle.ends;
    for (const end of ends) {
      expect(end.closedByServer).toBe(true);
      expect(end.afterMs).toBeGreaterThanOrEqual(500);
      expect(end.afterMs).toBeLessThan(2_500);
    }
  });

  it("answers 408 and closes a slowloris whose headers never end", async () => {
    const { port } = await start({ headersTimeoutMs: 800 });
    const end = await slowlorisHeaders(port, 100, 5_000);
    expect(end.closedByServer).toBe(true);
    expect(end.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(end.afterMs).toBeLessThan(2_500);
  });

  it("answers 408 and closes a slowloris whose body never ends, accepting nothing", async () => {
    const { port, accepted } = await start({ headersTimeoutMs: 500, requestTimeoutMs: 1_200 });
    const end = await slowlorisBody(port, 500, 100, 6_000);
    expect(end.closedByServer).toBe(true);
    expect(end.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(end.afterMs).toBeGreaterThanOrEqual(1_000);
    expect(end.afterMs).toBeLessThan(3_000);
    expect(accepted).toEqual([]);
  });

  it("closes a kept-alive connection idle for longer than the keep-alive time-out", async () => {
    const { port } = await start({ keepAliveTimeoutMs: 500 });
    const socket = await connectTls(port);
    const closed = readUntilClosed(socket);
    const startedAt = Date.now();
    socket.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    const text = await closed;
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(400);
    expect(Date.now() - startedAt).toBeLessThan(2_500);
  });

  it("closes a connection inactive for longer than the idle time-out, whatever it waits for", async () => {
    const { port } = await start({ socketIdleTimeoutMs: 500 });
    const idle = await openIdleConnections(port, 1, 5_000);
    const [end] = await idle.ends;
    expect(end?.closedByServer).toBe(true);
    expect(end?.afterMs).toBeLessThan(2_000);
  });

  it("answers 431 and closes a request whose headers are too large", async () => {
    const { port } = await start({ maxHeaderBytes: 1024 });
    const end = await oversizedHeaders(port, 2048);
    expect(end.closedByServer).toBe(true);
    expect(end.received).toMatch(/^HTTP\/1\.1 431 /);
    expect((await timedGet(port)).status).toBe(200);
  });

  it("serves at most the request cap on one connection, then closes it", async () => {
    const { port } = await start({ maxRequestsPerSocket: 3 });
    const socket = await connectTls(port);
    const closed = readUntilClosed(socket);
    socket.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(3));
    const text = await closed;
    const statuses = [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((match) => match[1]);
    expect(statuses).toEqual(["200", "200", "200"]);
    expect(text.toLowerCase()).toMatch(/connection: close\r\n[^]*$/);
  });

  it("answers 503 with Retry-After once the bodies in flight exceed the memory budget", async () => {
    const { port } = await start({ maxBodyBytes: 1_000, maxBufferedBodyBytes: 1_500 });
    // The first holds 900 bytes of a body it never finishes; the second would cross the budget.
    const holder = await connectTls(port);
    holder.write(`POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n${"{".padEnd(900, " ")}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await connectTls(port);
    const answer = readUntilClosed(second);
    second.write(`POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 900\r\n\r\n${"{".padEnd(900, " ")}`);
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 503 /);
    expect(text.toLowerCase()).toContain("retry-after: 5");
    holder.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const good = await postFlood(port, 1, 1, () => serializeConfigurationPayload({ uuid: ID }));
    expect(good.statuses).toEqual({ 200: 1 });
  });

  it("logs the first refusals, then counts, and never what the requests carried", async () => {
    const { port, logs } = await start({});
    const marker = "MARKER-7f3a9c";
    const flood = await postFlood(port, 60, 10, (i) =>
      i % 3 === 0
        ? JSON.stringify({ uuid: "11111111-2222-4333-8444-555555555555", secret: marker })
        : i % 3 === 1
          ? JSON.stringify({ uuid: ID, [marker]: marker })
          : `{${marker}`,
    );
    expect(flood.failed).toBe(0);
    expect(flood.statuses).toEqual({ 400: 40, 401: 20 });
    await server!.close();
    const text = logs.join("\n");
    expect(text).not.toContain(marker);
    expect(logs.filter((line) => line.startsWith("configuration refused"))).toHaveLength(10);
    const counted = [...text.matchAll(/(\d+) requests refused with \d{3}/g)].reduce(
      (sum, match) => sum + Number(match[1]),
      0,
    );
    expect(counted).toBe(50);
  });

  it("sends the unknown fields' names back to the client, but not to the log", async () => {
    const { port, logs } = await start({});
    const reply = await new Promise<string>((resolve, reject) => {
      connectTls(port).then((socket) => {
        const body = JSON.stringify({ uuid: ID, "field-from-outside": 1 });
        socket.write(
          `POST / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        );
        resolve(readUntilClosed(socket));
      }, reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(reply).toContain("field-from-outside");
    expect(logs.join("\n")).toContain("unknown fields");
    expect(logs.join("\n")).not.toContain("field-from-outside");
  });
});

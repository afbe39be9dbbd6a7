import https from "node:https";
import { afterEach, describe, expect, it } from "vitest";
import { serializeConfigurationPayload, type ConfigurationPayload } from "../model/configurationPayload.js";
import {
  ConfigurationRejected,
  startConfigurationServer,
  type ConfigurationServer,
} from "./configurationServer.js";
import { createRaTlsCertificate, generateTlsKey } from "./raTlsCertificate.js";

const ID = "0a7d1f04-5a0e-4e8a-9c3e-2b1f6f1f7c11";
let server: ConfigurationServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function request(
  port: number,
  cert: string,
  method: string,
  path: string,
  body?: string | Buffer,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: "127.0.0.1", port, method, path, ca: cert, servername: "localhost", agent: false },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function start(accept: (payload: ConfigurationPayload) => Promise<void>, maxBodyBytes?: number) {
  const key = await generateTlsKey();
  const cert = await createRaTlsCertificate({
    key,
    san: "localhost",
    notAfter: new Date(Date.now() + 3_600_000),
    quote: new Uint8Array([1, 2, 3]),
  });
  const logs: string[] = [];
  server = await startConfigurationServer({
    tls: { key: key.privateKeyPem, cert },
    host: "127.0.0.1",
    port: 0,
    uuid: ID,
    limits: maxBodyBytes === undefined ? undefined : { maxBodyBytes },
    accept,
    log: (line) => logs.push(line),
  });
  return { port: server.port, cert, logs };
}

describe("configuration server", () => {
  it("answers any GET with Mse-Status: Waiting over TLS", async () => {
    const { port, cert } = await start(async () => {});
    const reply = await request(port, cert, "GET", "/anything");
    expect(reply.status).toBe(200);
    expect(reply.headers["mse-status"]).toBe("Waiting");
  });

  it("refuses wrong uuid, malformed and oversized payloads, then accepts the right one and closes", async () => {
    const accepted: ConfigurationPayload[] = [];
    const { port, cert, logs } = await start(async (payload) => {
      accepted.push(payload);
    }, 1024);
    const wrong = await request(
      port,
      cert,
      "POST",
      "/",
      JSON.stringify({ uuid: "11111111-2222-4333-8444-555555555555" }),
    );
    expect(wrong.status).toBe(401);
    expect((await request(port, cert, "POST", "/", "{not json")).status).toBe(400);
    const big = await request(
      port,
      cert,
      "POST",
      "/",
      JSON.stringify({ uuid: ID, app_secrets: "x".repeat(4000) }),
    );
    expect(big.status).toBe(413);
    const huge = await request(port, cert, "POST", "/", Buffer.alloc(64 * 1024, 0x20));
    expect(huge.status).toBe(413);
    expect((await request(port, cert, "PUT", "/", "{}")).status).toBe(405);
    expect((await request(port, cert, "POST", "/other", "{}")).status).toBe(404);
    expect(accepted).toHaveLength(0);

    const good = await request(
      port,
      cert,
      "POST",
      "/",
      serializeConfigurationPayload({ uuid: ID, appSecrets: { k: "secret-value" } }),
    );
    expect(good.status).toBe(200);
    await server!.configured;
    expect(accepted).toEqual([{ uuid: ID, appSecrets: { k: "secret-value" } }]);
    await expect(request(port, cert, "GET", "/")).rejects.toThrow();
    expect(logs.join("\n")).not.toContain("secret-value");
  });

  it("answers 400 with the reason when the payload cannot be used, and stays open", async () => {
    let attempts = 0;
    const { port, cert } = await start(async () => {
      attempts += 1;
      if (attempts === 1) throw new ConfigurationRejected("code_secret_key does not decrypt the code");
    });
    const refused = await request(port, cert, "POST", "/", JSON.stringify({ uuid: ID }));
    expect(refused.status).toBe(400);
    expect(refused.body).toContain("code_secret_key does not decrypt the code");
    expect((await request(port, cert, "POST", "/", JSON.stringify({ uuid: ID }))).status).toBe(200);
  });

  it("answers 500 without details when applying fails unexpectedly", async () => {
    const { port, cert } = await start(async () => {
      throw new Error("disk full at /secret/path");
    });
    const reply = await request(port, cert, "POST", "/", JSON.stringify({ uuid: ID }));
    expect(reply.status).toBe(500);
    expect(reply.body).not.toContain("/secret/path");
  });
});

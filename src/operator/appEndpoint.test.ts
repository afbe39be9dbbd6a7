// Requests to the app: pinned to its certificate, a request never reaches a server with another.
import { createServer, type Server } from "node:https";
import { afterEach, describe, expect, it } from "vitest";
import type { AppContainer } from "../docker/appContainer.js";
import { selfSignedCertificate } from "../provider/testing/selfSignedCertificate.js";
import { appEndpoint, mseStatusOf, requestApp } from "./appEndpoint.js";

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

async function serve(): Promise<{ port: number; certificatePem: string; bodies: string[] }> {
  const { certificatePem, privateKeyPem } = await selfSignedCertificate();
  const bodies: string[] = [];
  server = createServer({ cert: certificatePem, key: privateKeyPem }, (req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      bodies.push(body);
      res.writeHead(200, { "Mse-Status": "Waiting" }).end(`got ${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { port: (server!.address() as { port: number }).port, certificatePem, bodies };
}

describe("app endpoint", () => {
  it("connects to loopback when the port is published on every interface", () => {
    const endpoint = appEndpoint({
      binding: { hostIp: "0.0.0.0", hostPort: 7777 },
      labels: { port: 7777, host: "myapp.fr" },
    } as AppContainer);
    expect(endpoint).toEqual({ address: "127.0.0.1", port: 7777, host: "myapp.fr" });
  });

  it("posts to a server presenting the pinned certificate and reads its answer", async () => {
    const { port, certificatePem, bodies } = await serve();
    const reply = await requestApp(
      { address: "127.0.0.1", port, host: "myapp.fr" },
      { method: "POST", path: "/", body: '{"uuid":"x"}', pinnedCertificatePem: certificatePem },
    );
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe("got POST /");
    expect(mseStatusOf(reply)).toBe("Waiting");
    expect(reply.certificatePem.replace(/\s/g, "")).toBe(certificatePem.replace(/\s/g, ""));
    expect(bodies).toEqual(['{"uuid":"x"}']);
  });

  it("sends nothing to a server presenting another certificate", async () => {
    const { port, bodies } = await serve();
    const other = await selfSignedCertificate();
    await expect(
      requestApp(
        { address: "127.0.0.1", port, host: "127.0.0.1" },
        { method: "POST", body: "secret", pinnedCertificatePem: other.certificatePem },
      ),
    ).rejects.toThrow("the app presented another certificate than its RA-TLS certificate");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(bodies).toEqual([]);
  });
});

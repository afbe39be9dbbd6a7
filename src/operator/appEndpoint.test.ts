// Requests to the app: pinned to its certificate, a request never reaches a server with another.
import { createServer, type Server } from "node:https";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { AppContainer } from "../docker/appContainer.js";
import { selfSignedCertificate } from "../provider/testing/selfSignedCertificate.js";
import { SshTarget } from "../docker/sshEngine.js";
import {
  appEndpoint,
  AppUnreachableError,
  fetchAppPeerCertificate,
  mseStatusOf,
  publishedAddress,
  requestApp,
} from "./appEndpoint.js";

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
    expect(endpoint).toEqual({ address: "127.0.0.1", port: 7777, host: "myapp.fr", where: "127.0.0.1:7777" });
  });

  it("reaches a TCP engine's published ports at the engine's host", () => {
    const tcp = { kind: "tcp", host: "10.9.8.7" } as const;
    expect(publishedAddress(tcp, "0.0.0.0")).toEqual({ address: "10.9.8.7" });
    expect(publishedAddress(tcp, "")).toEqual({ address: "10.9.8.7" });
    expect(publishedAddress(tcp, "10.9.8.7")).toEqual({ address: "10.9.8.7" });
    expect(publishedAddress({ kind: "tcp", host: "127.0.0.1" }, "127.0.0.1")).toEqual({
      address: "127.0.0.1",
    });
    expect(() => publishedAddress(tcp, "127.0.0.1")).toThrow(AppUnreachableError);
    expect(() => publishedAddress(tcp, "127.0.0.1")).toThrow(
      "a port published on 127.0.0.1 of 10.9.8.7 cannot be reached from this machine over tcp://",
    );
  });

  it("lets an app on a TCP engine's loopback be listed, and refuses to connect to it in one sentence", async () => {
    const endpoint = appEndpoint(
      {
        binding: { hostIp: "127.0.0.1", hostPort: 7777 },
        labels: { port: 7777, host: "myapp.fr" },
      } as AppContainer,
      { kind: "tcp", host: "10.9.8.7" },
    );
    expect(endpoint.unreachable).toBeInstanceOf(AppUnreachableError);
    await expect(requestApp(endpoint)).rejects.toThrow(
      "a port published on 127.0.0.1 of 10.9.8.7 cannot be reached",
    );
  });

  it("reaches an SSH engine's published ports through the SSH connection, loopback included", () => {
    const ssh = new SshTarget("sgx-1", 22, "op", { HOME: "/nonexistent" });
    expect(publishedAddress({ kind: "ssh", ssh }, "127.0.0.1")).toEqual({
      address: "127.0.0.1",
      through: ssh,
    });
    expect(publishedAddress({ kind: "ssh", ssh }, "::")).toEqual({ address: "::1", through: ssh });
    const endpoint = appEndpoint(
      {
        binding: { hostIp: "127.0.0.1", hostPort: 7777 },
        labels: { port: 7777, host: "myapp.fr" },
      } as AppContainer,
      { kind: "ssh", ssh },
    );
    expect(endpoint.where).toBe("127.0.0.1:7777 on ssh://op@sgx-1");
    expect(endpoint.dial).toBeTypeOf("function");
  });

  it("talks through the endpoint's dialled stream when it has one", async () => {
    const { port, certificatePem } = await serve();
    let dialled = 0;
    // An address nothing answers on: only the dialled stream can reach the server.
    const endpoint = {
      address: "192.0.2.1",
      port,
      host: "myapp.fr",
      dial: async () => {
        dialled += 1;
        return connect(port, "127.0.0.1");
      },
    };
    const reply = await requestApp(endpoint, { pinnedCertificatePem: certificatePem, timeoutMs: 3_000 });
    expect(reply.status).toBe(200);
    expect(dialled).toBe(1);
    expect((await fetchAppPeerCertificate(endpoint)).replace(/\s/g, "")).toBe(
      certificatePem.replace(/\s/g, ""),
    );
    expect(dialled).toBe(2);
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

// The engine address comes from DOCKER_HOST as the Docker CLI reads it; an unreachable engine is one clear sentence.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeDocker, testEngine } from "../../test/support/docker.js";
import { describeError } from "../cli/errors.js";
import { DockerEngine, endpointFromEnvironment } from "./engine.js";
import { DockerConfigurationError, DockerNotFoundError, DockerUnavailableError } from "./errors.js";

const scratch = mkdtempSync(path.join(tmpdir(), "msehome-engine-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("engine address from the environment", () => {
  it("uses the local socket when DOCKER_HOST is unset", () => {
    const endpoint = endpointFromEnvironment({ HOME: scratch });
    expect(endpoint.address).toBe("unix:///var/run/docker.sock");
    expect(endpoint.options.socketPath).toBe("/var/run/docker.sock");
  });

  it("prefers the user's Docker Desktop socket when it exists", () => {
    const home = mkdtempSync(path.join(scratch, "home-"));
    const socket = path.join(home, ".docker", "run", "docker.sock");
    mkdirSync(path.dirname(socket), { recursive: true });
    writeFileSync(socket, "");
    expect(endpointFromEnvironment({ HOME: home }).options.socketPath).toBe(socket);
  });

  it("reads unix:// addresses", () => {
    const endpoint = endpointFromEnvironment({ DOCKER_HOST: "unix:///run/user/1000/docker.sock" });
    expect(endpoint.address).toBe("unix:///run/user/1000/docker.sock");
    expect(endpoint.options.socketPath).toBe("/run/user/1000/docker.sock");
    expect(endpoint.options.host).toBeUndefined();
  });

  it("reads tcp:// addresses as plain HTTP without TLS settings", () => {
    const endpoint = endpointFromEnvironment({ DOCKER_HOST: "tcp://10.0.0.5:2375" });
    expect(endpoint.address).toBe("tcp://10.0.0.5:2375");
    expect(endpoint.options).toMatchObject({ protocol: "http", host: "10.0.0.5", port: "2375" });
    expect(endpoint.options.socketPath).toBeUndefined();
  });

  it("switches to TLS with DOCKER_TLS_VERIFY and reads the client certificate from DOCKER_CERT_PATH", () => {
    const certs = mkdtempSync(path.join(scratch, "certs-"));
    for (const name of ["ca.pem", "cert.pem", "key.pem"])
      writeFileSync(path.join(certs, name), `${name} contents`);
    const endpoint = endpointFromEnvironment({
      DOCKER_HOST: "tcp://engine.example:2376",
      DOCKER_TLS_VERIFY: "1",
      DOCKER_CERT_PATH: certs,
    });
    expect(endpoint.address).toBe("https://engine.example:2376");
    expect(endpoint.options.protocol).toBe("https");
    expect(String(endpoint.options.ca)).toBe("ca.pem contents");
    expect(String(endpoint.options.cert)).toBe("cert.pem contents");
    expect(String(endpoint.options.key)).toBe("key.pem contents");
  });

  it("says which TLS file is missing", () => {
    const empty = mkdtempSync(path.join(scratch, "nocerts-"));
    expect(() =>
      endpointFromEnvironment({
        DOCKER_HOST: "tcp://engine.example:2376",
        DOCKER_TLS_VERIFY: "1",
        DOCKER_CERT_PATH: empty,
      }),
    ).toThrow(`TLS to the Docker engine needs ${path.join(empty, "ca.pem")}`);
  });

  it("reads ssh:// addresses", () => {
    const endpoint = endpointFromEnvironment({
      DOCKER_HOST: "ssh://ops@sgx-box",
      SSH_AUTH_SOCK: "/tmp/agent",
      HOME: scratch,
    });
    expect(endpoint.address).toBe("ssh://ops@sgx-box");
    expect(endpoint.options).toMatchObject({ protocol: "ssh", host: "sgx-box", port: "22", username: "ops" });
    expect(endpoint.options.sshOptions).toMatchObject({ agent: "/tmp/agent", username: "ops" });
    expect(endpoint.reach.kind).toBe("ssh");
  });

  it("logs in over SSH as the local user when the address names none, with the default identity", () => {
    const home = mkdtempSync(path.join(scratch, "home-"));
    mkdirSync(path.join(home, ".ssh"));
    writeFileSync(path.join(home, ".ssh", "id_ed25519"), "-----BEGIN PRIVATE KEY-----\nunencrypted\n");
    const endpoint = endpointFromEnvironment({
      DOCKER_HOST: "ssh://sgx-box:2222",
      USER: "alice",
      HOME: home,
    });
    expect(endpoint.address).toBe("ssh://alice@sgx-box:2222");
    expect(String(endpoint.options.sshOptions?.privateKey)).toContain("unencrypted");
    expect(endpoint.options.sshOptions).not.toHaveProperty("agent");
  });

  it("reaches published ports at the TCP engine's host", () => {
    expect(endpointFromEnvironment({ DOCKER_HOST: "tcp://10.0.0.5:2375" }).reach).toEqual({
      kind: "tcp",
      host: "10.0.0.5",
    });
    expect(endpointFromEnvironment({ DOCKER_HOST: "unix:///run/docker.sock" }).reach).toEqual({
      kind: "local",
    });
  });

  it("reads DOCKER_CERT_PATH's default from DOCKER_CONFIG", () => {
    const config = mkdtempSync(path.join(scratch, "config-"));
    for (const name of ["ca.pem", "cert.pem", "key.pem"])
      writeFileSync(path.join(config, name), `${name} in config`);
    const endpoint = endpointFromEnvironment({
      DOCKER_HOST: "tcp://engine.example:2376",
      DOCKER_TLS_VERIFY: "1",
      DOCKER_CONFIG: config,
      HOME: scratch,
    });
    expect(String(endpoint.options.ca)).toBe("ca.pem in config");
  });

  it("rejects what is not an engine address in one sentence", () => {
    expect(() => endpointFromEnvironment({ DOCKER_HOST: "ftp://engine" })).toThrow(DockerConfigurationError);
    expect(() => endpointFromEnvironment({ DOCKER_HOST: "ftp://engine" })).toThrow(
      'DOCKER_HOST="ftp://engine" is not a Docker engine address',
    );
  });
});

describe("an unreachable engine", () => {
  it("names the dead unix socket it tried", async () => {
    const socket = path.join(scratch, "no-engine.sock");
    const engine = DockerEngine.fromEnvironment({ DOCKER_HOST: `unix://${socket}` });
    const failure = await engine.ping().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DockerUnavailableError);
    expect(describeError(failure)).toBe(
      `cannot reach the Docker engine at unix://${socket} (no socket there); start Docker or point DOCKER_HOST at a running engine.`,
    );
  });

  it("names the dead TCP port it tried", async () => {
    const port = await deadPort();
    const engine = DockerEngine.fromEnvironment({ DOCKER_HOST: `tcp://127.0.0.1:${port}` });
    const failure = await engine.ping().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DockerUnavailableError);
    expect((failure as DockerUnavailableError).address).toBe(`tcp://127.0.0.1:${port}`);
    expect(describeError(failure)).toMatch(
      new RegExp(
        `^cannot reach the Docker engine at tcp://127\\.0\\.0\\.1:${port} \\(connection refused\\);`,
      ),
    );
  });

  it("maps every later call the same way, not only ping", async () => {
    const engine = DockerEngine.fromEnvironment({ DOCKER_HOST: `tcp://127.0.0.1:${await deadPort()}` });
    await expect(engine.version()).rejects.toBeInstanceOf(DockerUnavailableError);
  });

  it("gives up on a silent engine after the ping timeout", async () => {
    // A listener that accepts but never answers.
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const engine = DockerEngine.fromEnvironment({ DOCKER_HOST: `tcp://127.0.0.1:${port}` });
      await expect(engine.ping(300)).rejects.toThrow(/\(no answer within 0\.3 s\)/);
    } finally {
      server.close();
    }
  });
});

describeDocker("the engine on this machine", () => {
  it("answers ping and reports its version", async () => {
    const engine = testEngine();
    await engine.ping();
    const { version, apiVersion } = await engine.version();
    expect(version).toMatch(/^\d+\.\d+/);
    expect(apiVersion).toMatch(/^1\.\d+$/);
  });

  it("turns the engine's 404 into DockerNotFoundError carrying the engine's words", async () => {
    const failure = await testEngine()
      .call("inspecting container x", (api) => api.getContainer("msehome-no-such-container").inspect())
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DockerNotFoundError);
    expect((failure as Error).message).toBe(
      "inspecting container x failed: No such container: msehome-no-such-container",
    );
  });
});

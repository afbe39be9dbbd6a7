// Docker contexts are read from the files the Docker CLI writes: the current context, then its
// endpoint and TLS material under the SHA-256 of its name; DOCKER_HOST wins over any context.
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeError } from "../cli/errors.js";
import { contextDirectoryName } from "./dockerContext.js";
import { endpointFromEnvironment } from "./engine.js";
import { DockerConfigurationError } from "./errors.js";

const scratch = mkdtempSync(path.join(tmpdir(), "msehome-context-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A Docker configuration directory holding the given contexts, as `docker context create` leaves it. */
function dockerConfig(
  contexts: { name: string; host: string; tls?: Record<string, string>; skipTlsVerify?: boolean }[],
  currentContext?: string,
): string {
  const dir = mkdtempSync(path.join(scratch, "docker-"));
  if (currentContext !== undefined)
    writeFileSync(path.join(dir, "config.json"), JSON.stringify({ currentContext }));
  for (const context of contexts) {
    const id = createHash("sha256").update(context.name).digest("hex");
    const metaDir = path.join(dir, "contexts", "meta", id);
    mkdirSync(metaDir, { recursive: true });
    writeFileSync(
      path.join(metaDir, "meta.json"),
      JSON.stringify({
        Name: context.name,
        Metadata: { Description: "" },
        Endpoints: { docker: { Host: context.host, SkipTLSVerify: context.skipTlsVerify ?? false } },
      }),
    );
    if (context.tls) {
      const tlsDir = path.join(dir, "contexts", "tls", id, "docker");
      mkdirSync(tlsDir, { recursive: true });
      for (const [file, text] of Object.entries(context.tls)) writeFileSync(path.join(tlsDir, file), text);
    }
  }
  return dir;
}

const TLS = { "ca.pem": "context ca", "cert.pem": "context cert", "key.pem": "context key" };

describe("Docker contexts", () => {
  it("names a context's directory by the SHA-256 of its name, as the Docker CLI does", () => {
    expect(contextDirectoryName("default")).toBe(
      "37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f",
    );
  });

  it("uses config.json's current context with its TLS material", () => {
    const config = dockerConfig([{ name: "sgx-1", host: "tcp://10.1.2.3:2376", tls: TLS }], "sgx-1");
    const endpoint = endpointFromEnvironment({ DOCKER_CONFIG: config, HOME: scratch });
    expect(endpoint.address).toBe("https://10.1.2.3:2376");
    expect(endpoint.context).toBe("sgx-1");
    expect(endpoint.reach).toEqual({ kind: "tcp", host: "10.1.2.3" });
    expect(String(endpoint.options.ca)).toBe("context ca");
    expect(String(endpoint.options.cert)).toBe("context cert");
    expect(String(endpoint.options.key)).toBe("context key");
  });

  it("prefers DOCKER_CONTEXT over config.json, and DOCKER_HOST over both", () => {
    const config = dockerConfig(
      [
        { name: "sgx-1", host: "tcp://10.1.2.3:2376", tls: TLS },
        { name: "sgx-2", host: "ssh://op@sgx-2" },
      ],
      "sgx-1",
    );
    const env = { DOCKER_CONFIG: config, HOME: scratch, DOCKER_CONTEXT: "sgx-2" };
    expect(endpointFromEnvironment(env).address).toBe("ssh://op@sgx-2");
    expect(endpointFromEnvironment({ ...env, DOCKER_HOST: "unix:///run/x.sock" }).address).toBe(
      "unix:///run/x.sock",
    );
  });

  it("finds the config directory under HOME when DOCKER_CONFIG is unset", () => {
    const home = mkdtempSync(path.join(scratch, "home-"));
    const config = dockerConfig([{ name: "box", host: "tcp://box.example:2375" }], "box");
    // The same files, where the Docker CLI looks by default.
    cpSync(config, path.join(home, ".docker"), { recursive: true });
    const endpoint = endpointFromEnvironment({ HOME: home });
    expect(endpoint.address).toBe("tcp://box.example:2375");
    expect(endpoint.options.ca).toBeUndefined();
  });

  it("treats the default context as the local socket", () => {
    const config = dockerConfig([], "default");
    expect(endpointFromEnvironment({ DOCKER_CONFIG: config, HOME: scratch }).address).toBe(
      "unix:///var/run/docker.sock",
    );
  });

  it("names an unknown context and where it came from", () => {
    const config = dockerConfig([], "gone");
    const failure = catchError(() => endpointFromEnvironment({ DOCKER_CONFIG: config, HOME: scratch }));
    expect(failure).toBeInstanceOf(DockerConfigurationError);
    expect(describeError(failure)).toMatch(
      new RegExp(
        `^the Docker context "gone" \\(from ${escape(path.join(config, "config.json"))}\\) does not exist`,
      ),
    );
    expect(
      describeError(
        catchError(() =>
          endpointFromEnvironment({ DOCKER_CONFIG: config, HOME: scratch, DOCKER_CONTEXT: "nope" }),
        ),
      ),
    ).toMatch(/^the Docker context "nope" \(from DOCKER_CONTEXT\) does not exist/);
  });

  it("refuses a context that skips TLS verification, and TLS material without a CA", () => {
    const config = dockerConfig([
      { name: "lax", host: "tcp://10.1.2.3:2376", tls: TLS, skipTlsVerify: true },
      { name: "noca", host: "tcp://10.1.2.3:2376", tls: { "cert.pem": "c", "key.pem": "k" } },
    ]);
    expect(() => endpointFromEnvironment({ DOCKER_CONFIG: config, DOCKER_CONTEXT: "lax" })).toThrow(
      /skips TLS verification of its engine, which msehome refuses/,
    );
    expect(() => endpointFromEnvironment({ DOCKER_CONFIG: config, DOCKER_CONTEXT: "noca" })).toThrow(
      'the Docker context "noca" speaks TLS but has no ca.pem',
    );
  });

  it("ignores SkipTLSVerify on an SSH context, where TLS plays no part", () => {
    const config = dockerConfig([{ name: "ssh-box", host: "ssh://op@box", skipTlsVerify: true }]);
    expect(
      endpointFromEnvironment({ DOCKER_CONFIG: config, DOCKER_CONTEXT: "ssh-box", HOME: scratch }).address,
    ).toBe("ssh://op@box");
  });

  it("rejects a context whose host is not an engine address, and a config.json that is not JSON", () => {
    const config = dockerConfig([{ name: "odd", host: "ftp://box" }]);
    expect(() => endpointFromEnvironment({ DOCKER_CONFIG: config, DOCKER_CONTEXT: "odd" })).toThrow(
      'the Docker context "odd" has host "ftp://box", which is not a Docker engine address',
    );
    writeFileSync(path.join(config, "config.json"), "{not json");
    expect(() => endpointFromEnvironment({ DOCKER_CONFIG: config })).toThrow(
      `the Docker configuration ${path.join(config, "config.json")} is not valid JSON`,
    );
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

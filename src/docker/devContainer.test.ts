// The development container's create body: msehome-dev as entrypoint, code and secrets read-only at
// the enclave's paths, port 5000 published on 127.0.0.1 only, a label to find it by.
import { describe, expect, it } from "vitest";
import { DEV_CONTAINER_LABEL, devContainerCreateOptions } from "./devContainer.js";

const spec = {
  name: "app-test-dev-1a2b3c",
  appName: "app",
  image: "sha256:abc",
  application: "app.mjs:app",
  codeDir: "/tmp/code",
  port: 40123,
};

describe("devContainerCreateOptions", () => {
  it("runs msehome-dev with the application on port 5000, published on 127.0.0.1", () => {
    const body = devContainerCreateOptions(spec) as {
      Entrypoint: string[];
      Cmd: string[];
      Labels: Record<string, string>;
      HostConfig: { PortBindings: unknown; Mounts: unknown[] };
    };
    expect(body.Entrypoint).toEqual(["msehome-dev"]);
    expect(body.Cmd).toEqual(["--application", "app.mjs:app", "--port", "5000"]);
    expect(body.Labels).toEqual({ [DEV_CONTAINER_LABEL]: "app" });
    expect(body.HostConfig.PortBindings).toEqual({
      "5000/tcp": [{ HostIp: "127.0.0.1", HostPort: "40123" }],
    });
    expect(body.HostConfig.Mounts).toEqual([
      { Type: "bind", Source: "/tmp/code", Target: "/opt/msehome/app", ReadOnly: true },
    ]);
  });

  it("mounts the secret files read-only where msehome-dev looks for them", () => {
    const body = devContainerCreateOptions({
      ...spec,
      secretsFile: "/keys/secrets.json",
      sealedSecretsFile: "/keys/secrets_to_seal.json",
    }) as { HostConfig: { Mounts: unknown[] } };
    expect(body.HostConfig.Mounts).toEqual([
      { Type: "bind", Source: "/tmp/code", Target: "/opt/msehome/app", ReadOnly: true },
      {
        Type: "bind",
        Source: "/keys/secrets.json",
        Target: "/opt/msehome/secrets/secrets.json",
        ReadOnly: true,
      },
      {
        Type: "bind",
        Source: "/keys/secrets_to_seal.json",
        Target: "/opt/msehome/secrets/sealed_secrets.json",
        ReadOnly: true,
      },
    ]);
  });

  it("refuses relative paths and impossible ports", () => {
    expect(() => devContainerCreateOptions({ ...spec, codeDir: "code" })).toThrow(
      'the code directory must be an absolute path, not "code"',
    );
    expect(() => devContainerCreateOptions({ ...spec, secretsFile: "s.json" })).toThrow(
      'the secrets file must be an absolute path, not "s.json"',
    );
    expect(() => devContainerCreateOptions({ ...spec, port: 0 })).toThrow(
      "port 0 is not between 1 and 65535",
    );
  });
});

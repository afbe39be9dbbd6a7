// The app's state as status reports it: from the container when it does not run, else from what
// the app answers on its healthcheck (Mse-Status: Waiting, 2xx, anything else, or nothing yet).
import { createServer, type Server } from "node:https";
import { afterEach, describe, expect, it } from "vitest";
import { SAMPLE_LAUNCH } from "../../test/support/launchArguments.js";
import { freePort } from "../../test/support/unique.js";
import type { AppContainer } from "../docker/appContainer.js";
import { selfSignedCertificate } from "../provider/testing/selfSignedCertificate.js";
import { containerState, probeApp } from "./appState.js";

function app(overrides: Partial<AppContainer> = {}, port = 1): AppContainer {
  return {
    id: "0123",
    name: "myapp",
    mode: "simulation",
    labels: {
      name: "myapp",
      mode: "simulation",
      sizeMb: 2048,
      host: "localhost",
      port,
      appId: "0b8e6f36-1d7e-4b61-9c43-6c6a9f0a1c2d",
      application: "app.mjs:app",
      expiration: 1_900_000_000,
      healthcheckEndpoint: "/health",
      version: "0.1.0",
      image: "msehome/app:myapp",
    },
    launch: SAMPLE_LAUNCH,
    imageId: "sha256:00",
    status: "running",
    running: true,
    exitCode: null,
    error: "",
    oomKilled: false,
    createdAt: new Date(),
    startedAt: new Date(),
    finishedAt: null,
    binding: { hostIp: "127.0.0.1", hostPort: port },
    mounts: [],
    devices: [],
    restartPolicy: { name: "unless-stopped" },
    restartCount: 0,
    ...overrides,
  };
}

describe("state from the container", () => {
  it.each([
    [{ status: "exited", exitCode: 0 }, "stopped"],
    [{ status: "exited", exitCode: 143 }, "stopped"],
    [{ status: "exited", exitCode: 137 }, "stopped"],
    [{ status: "exited", exitCode: 137, oomKilled: true }, "error"],
    [{ status: "exited", exitCode: 1 }, "error"],
    [{ status: "created", exitCode: null }, "stopped"],
    [{ status: "dead", exitCode: 0, error: "no such device /dev/sgx_enclave" }, "error"],
    [{ status: "restarting", exitCode: 1 }, "error"],
  ] as const)("%j is %s", (container, state) => {
    expect(containerState(app({ ...container, running: false }))?.state).toBe(state);
  });

  it("names the reason and the exit code of an app that died", () => {
    expect(containerState(app({ status: "exited", running: false, exitCode: 137, oomKilled: true }))).toEqual(
      {
        state: "error",
        detail: "the container was killed for running out of memory (OOMKilled), exit code 137",
      },
    );
    expect(containerState(app({ status: "exited", running: false, exitCode: 3 }))).toEqual({
      state: "error",
      detail: "the container exited with code 3",
    });
  });

  it("says that the engine restarts a crashed app, under which policy and how often so far", () => {
    const probe = containerState(
      app({
        status: "restarting",
        running: false,
        exitCode: 3,
        restartPolicy: { name: "on-failure", maximumRetryCount: 5 },
        restartCount: 2,
      }),
    );
    expect(probe).toEqual({
      state: "error",
      detail:
        "it exited with code 3 and the engine restarts it (restart policy on-failure:5, 2 restarts so far)",
    });
  });

  it("leaves a running container to the probe", () => {
    expect(containerState(app())).toBeUndefined();
  });
});

describe("state probed from the app", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  async function serve(answer: (path: string) => { status: number; headers?: Record<string, string> }) {
    const { certificatePem, privateKeyPem } = await selfSignedCertificate();
    const paths: string[] = [];
    server = createServer({ cert: certificatePem, key: privateKeyPem }, (req, res) => {
      paths.push(req.url ?? "");
      const { status, headers } = answer(req.url ?? "");
      res.writeHead(status, headers).end();
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    return { port: (server!.address() as { port: number }).port, paths };
  }

  it("is waiting for secrets when the healthcheck answers Mse-Status: Waiting", async () => {
    const { port, paths } = await serve(() => ({ status: 200, headers: { "Mse-Status": "Waiting" } }));
    expect((await probeApp(app({}, port))).state).toBe("waiting for secrets");
    expect(paths).toEqual(["/health"]);
  });

  it("is running when the healthcheck answers 2xx", async () => {
    const { port } = await serve(() => ({ status: 204 }));
    expect(await probeApp(app({}, port))).toEqual({
      state: "running",
      detail: "healthcheck /health answered HTTP 204",
    });
  });

  it("is in error when the healthcheck answers otherwise", async () => {
    const { port } = await serve(() => ({ status: 500 }));
    expect(await probeApp(app({}, port))).toEqual({
      state: "error",
      detail: "healthcheck /health answered HTTP 500",
    });
  });

  it("is initializing while nothing answers", async () => {
    const port = await freePort();
    const probe = await probeApp(app({}, port));
    expect(probe.state).toBe("initializing");
    expect(probe.detail).toContain(`nothing answers on 127.0.0.1:${port} yet`);
  });
});

// Real simulation app containers for e2e tests and benchmarks, started by the Docker layer as spawn
// starts them; and HTTPS to the app as its users talk to it — trusting only the RA-TLS certificate
// as a CA — polled until the answer is the one a test waits for. (No test framework here:
// benchmarks import it too.)
import https from "node:https";
import type { TLSSocket } from "node:tls";
import { type AppContainer, startAppContainer } from "../../src/docker/appContainer.js";
import { inspectContainer } from "../../src/docker/container.js";
import type { DockerEngine } from "../../src/docker/engine.js";
import type { LaunchArguments } from "../../src/model/launchArguments.js";
import { freePort, uniqueName } from "./unique.js";

/** A simulation app's launch arguments, as spawn writes them (localhost, 2048 MB, app.mjs:app by default). */
export function simulationLaunch(
  options: Pick<LaunchArguments, "appId" | "expiration"> & Partial<LaunchArguments>,
): LaunchArguments {
  return {
    sizeMb: 2048,
    san: "localhost",
    extraSans: [],
    application: "app.mjs:app",
    subprocesses: false,
    simulation: true,
    dryRun: false,
    debug: false,
    ...options,
  };
}

/** What a simulation app container is made of. */
export interface SimulationAppInputs {
  image: string;
  /** The code to run, copied into the app's inputs volume as spawn does. */
  appTar: string;
  signerKey: string;
  platformDir: string;
}

export interface StartedApp {
  app: AppContainer;
  /** The port of 127.0.0.1 where the app's 443 is published. */
  port: number;
}

/** Starts a simulation app container as spawn does, on a free port of 127.0.0.1. */
export async function startSimulationApp(
  engine: DockerEngine,
  inputs: SimulationAppInputs,
  launch: LaunchArguments,
): Promise<StartedApp> {
  const port = await freePort();
  const app = await startAppContainer(engine, {
    name: uniqueName("msehome-e2e-app"),
    image: inputs.image,
    launch,
    port,
    inputs: { appTar: inputs.appTar, signerKey: inputs.signerKey, simulationPlatformDir: inputs.platformDir },
    healthcheckEndpoint: "/health",
  });
  return { app, port };
}

export interface HttpsReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The server's certificate as PEM. */
  certificatePem: string;
}

/** One HTTPS request to 127.0.0.1 trusting only `ca` (the RA-TLS certificate) for "localhost", as a pinned client does. */
export function httpsRequest(
  port: number,
  options: { ca?: string; method?: string; path?: string; body?: string | Buffer; servername?: string } = {},
): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port,
        method: options.method ?? "GET",
        path: options.path ?? "/",
        servername: options.servername ?? "localhost",
        agent: false,
        ...(options.ca ? { ca: options.ca } : { rejectUnauthorized: false }),
        timeout: 10_000,
      },
      (res) => {
        const peer = (res.socket as TLSSocket).getPeerX509Certificate();
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            certificatePem: peer?.toString() ?? "",
          }),
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
    req.end(options.body);
  });
}

/**
 * Polls until `ready` accepts a reply (connection errors count as not ready); fails at once when
 * the container stops.
 */
export async function waitFor(
  port: number,
  ready: (reply: HttpsReply) => boolean,
  options: {
    path?: string;
    timeoutMs?: number;
    ca?: string;
    container?: { engine: DockerEngine; id: string };
  } = {},
): Promise<HttpsReply> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const reply = await httpsRequest(port, { path: options.path, ca: options.ca });
      if (ready(reply)) return reply;
      last = `HTTP ${reply.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (options.container) {
      const container = await inspectContainer(options.container.engine, options.container.id);
      if (!container.running && container.status !== "restarting")
        throw new Error(`the container stopped (exit ${container.exitCode}) while waiting`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not ready after ${options.timeoutMs ?? 60_000} ms (${last})`);
}

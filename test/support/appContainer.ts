// App containers for e2e tests, created through the Docker Engine API as spawn would: app.tar,
// the signer key and the simulated platform mounted read-only, port 443 published on 127.0.0.1.
import type Docker from "dockerode";
import https from "node:https";
import { PassThrough } from "node:stream";
import type { TLSSocket } from "node:tls";
import { formatLaunchArguments } from "../../src/model/launchArguments.js";

export const TEST_LABEL = "msehome.test";

export interface AppContainerInputs {
  image: string;
  appTar: string;
  signerKey: string;
  platformDir: string;
}

export interface LaunchOptions {
  san?: string;
  id: string;
  application?: string;
  expiration: number;
  sizeMb?: number;
}

/** A simulation app's launch arguments, as spawn writes them. */
export function launchArgs(options: LaunchOptions): string[] {
  return formatLaunchArguments({
    sizeMb: options.sizeMb ?? 2048,
    san: options.san ?? "localhost",
    appId: options.id,
    application: options.application ?? "app.mjs:app",
    expiration: options.expiration,
    simulation: true,
    dryRun: false,
    debug: false,
  });
}

function hostConfig(inputs: AppContainerInputs): Docker.HostConfig {
  return {
    Binds: [
      `${inputs.appTar}:/opt/input/app.tar:ro`,
      `${inputs.signerKey}:/root/.config/gramine/enclave-key.pem:ro`,
      `${inputs.platformDir}:/opt/msehome/sim-platform:ro`,
    ],
    PortBindings: { "443/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] },
  };
}

export interface AppContainer {
  container: Docker.Container;
  port: number;
}

/** Creates and starts the container; returns it with the host port 443 was published on. */
export async function startAppContainer(
  docker: Docker,
  inputs: AppContainerInputs,
  cmd: string[],
): Promise<AppContainer> {
  const container = await docker.createContainer({
    Image: inputs.image,
    Cmd: cmd,
    Labels: { [TEST_LABEL]: "runtime" },
    ExposedPorts: { "443/tcp": {} },
    HostConfig: hostConfig(inputs),
  });
  await container.start();
  return { container, port: await publishedPort(container) };
}

export async function publishedPort(container: Docker.Container): Promise<number> {
  const info = await container.inspect();
  const binding = info.NetworkSettings.Ports["443/tcp"]?.[0];
  if (!binding) throw new Error("port 443 is not published");
  return Number(binding.HostPort);
}

/** Runs a container to completion (e.g. --dry-run) and returns its streams and exit code. */
export async function runToCompletion(
  docker: Docker,
  inputs: AppContainerInputs,
  cmd: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const container = await docker.createContainer({
    Image: inputs.image,
    Cmd: cmd,
    Labels: { [TEST_LABEL]: "runtime" },
    HostConfig: { Binds: hostConfig(inputs).Binds },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = await containerLogs(docker, container);
    return { code: StatusCode, ...logs };
  } finally {
    await container.remove({ force: true });
  }
}

export async function containerLogs(
  docker: Docker,
  container: Docker.Container,
): Promise<{ stdout: string; stderr: string }> {
  const raw = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  err.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const source = new PassThrough();
  docker.modem.demuxStream(source, out, err);
  await new Promise<void>((resolve) => {
    source.on("end", resolve);
    source.end(raw);
  });
  return { stdout, stderr };
}

export interface HttpsReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The server's certificate as PEM. */
  certificatePem: string;
}

/** One HTTPS request trusting only `ca` (the RA-TLS certificate), as a pinned client does. */
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

/** Polls until `ready` accepts a reply (connection errors count as not ready). */
export async function waitFor(
  port: number,
  ready: (reply: HttpsReply) => boolean,
  options: { path?: string; timeoutMs?: number; ca?: string; container?: Docker.Container } = {},
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
      const state = (await options.container.inspect()).State;
      if (!state.Running && !state.Restarting)
        throw new Error(`the container stopped (exit ${state.ExitCode}) while waiting`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not ready after ${options.timeoutMs ?? 60_000} ms (${last})`);
}

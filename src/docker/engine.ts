// The connection to the Docker engine: DOCKER_HOST (unix, tcp, ssh) and TLS settings, liveness, error mapping.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import Docker from "dockerode";
import {
  DockerConfigurationError,
  DockerEngineError,
  DockerNotFoundError,
  DockerUnavailableError,
} from "./errors.js";
import { DEFAULT_CONTEXT, dockerConfigDir, readContext, selectedContext } from "./dockerContext.js";
import { SshTarget } from "./sshEngine.js";

/** How this machine reaches ports published on the engine's machine. */
export type EngineReach = { kind: "local" } | { kind: "tcp"; host: string } | { kind: "ssh"; ssh: SshTarget };

/** Where the engine lives, as the user would write it, and the client options that reach it. */
export interface EngineEndpoint {
  address: string;
  /** The Docker context it came from, when one named it. */
  context?: string;
  reach: EngineReach;
  options: Docker.DockerOptions & { pathPrefix?: string };
}

/** A raw Engine API request (docker-modem's dial options), for the streaming calls dockerode wraps poorly. */
export interface EngineRequest {
  path: string;
  method: "GET" | "POST" | "DELETE" | "PUT" | "HEAD";
  options?: Record<string, unknown>;
  file?: Readable | string;
  isStream?: boolean;
  statusCodes: Record<number, true | string>;
  abortSignal?: AbortSignal;
  headers?: Record<string, string>;
}

const DEFAULT_SOCKET = "/var/run/docker.sock";
const PING_TIMEOUT_MS = 10_000;

/** Error codes that mean "nothing usable answers at that address", not "the engine said no". */
const UNREACHABLE_CODES: Record<string, string> = {
  ENOENT: "no socket there",
  ECONNREFUSED: "connection refused",
  EACCES: "permission denied; is your user in the docker group?",
  EPERM: "permission denied",
  ECONNRESET: "connection reset",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "host name not found",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "connection timed out",
  EPIPE: "connection closed",
  ENOTSOCK: "not a socket",
  EPROTO: "TLS handshake failed",
  ERR_SSL_WRONG_VERSION_NUMBER: "TLS handshake failed",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the engine's TLS certificate is not trusted",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the engine's TLS certificate is not trusted",
  SELF_SIGNED_CERT_IN_CHAIN: "the engine's TLS certificate is not trusted",
};

const CLEARED_OPTIONS = {
  socketPath: undefined,
  host: undefined,
  port: undefined,
  protocol: undefined,
  ca: undefined,
  cert: undefined,
  key: undefined,
  username: undefined,
} as const;

/**
 * Resolves the engine the way the Docker CLI does: DOCKER_HOST (with DOCKER_TLS_VERIFY and
 * DOCKER_CERT_PATH), else the context DOCKER_CONTEXT names, else config.json's current context,
 * else the local socket. DOCKER_CONFIG moves ~/.docker.
 */
export function endpointFromEnvironment(env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  const dockerHost = env.DOCKER_HOST?.trim() ?? "";
  if (dockerHost !== "") {
    const tlsVerify = (env.DOCKER_TLS_VERIFY ?? "") !== "";
    return endpointFromHost(dockerHost, env, {
      wantsTls: tlsVerify,
      tlsFiles: () => readTlsFiles(env.DOCKER_CERT_PATH || dockerConfigDir(env)),
      describe: (value) => `DOCKER_HOST="${value}"`,
    });
  }
  const { name, source } = selectedContext(env);
  if (name === DEFAULT_CONTEXT) return localSocket(env);
  const context = readContext(env, name, source);
  if (context.skipTlsVerify && /^(tcp|https?):\/\//.test(context.host)) {
    throw new DockerConfigurationError(
      `the Docker context "${name}" skips TLS verification of its engine, which msehome refuses; give the context the engine's CA (docker context update ${name} --docker "host=${context.host},ca=…,cert=…,key=…")`,
    );
  }
  const hasTls = context.tls.ca !== undefined || context.tls.cert !== undefined;
  const endpoint = endpointFromHost(context.host, env, {
    wantsTls: hasTls,
    tlsFiles: () => contextTls(name, context.tls),
    describe: (value) => `the Docker context "${name}" has host "${value}", which`,
  });
  return { ...endpoint, context: name };
}

function localSocket(env: NodeJS.ProcessEnv): EngineEndpoint {
  const userSocket = path.join(env.HOME ?? homedir(), ".docker", "run", "docker.sock");
  const socketPath = existsSync(userSocket) ? userSocket : DEFAULT_SOCKET;
  return {
    address: `unix://${socketPath}`,
    reach: { kind: "local" },
    options: { ...CLEARED_OPTIONS, socketPath },
  };
}

interface HostSettings {
  /** TLS asked for by the environment or the context (tcp:// then speaks HTTPS). */
  wantsTls: boolean;
  tlsFiles: () => { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** How error sentences name the setting ("DOCKER_HOST=…"). */
  describe: (value: string) => string;
}

/** One engine address: `unix://PATH`, `tcp://HOST:PORT` (TLS on request or on port 2376), `http(s)://`, `ssh://USER@HOST[:PORT]`. */
function endpointFromHost(
  dockerHost: string,
  env: NodeJS.ProcessEnv,
  settings: HostSettings,
): EngineEndpoint {
  if (dockerHost.startsWith("unix://")) {
    const socketPath = dockerHost.slice("unix://".length) || DEFAULT_SOCKET;
    return {
      address: `unix://${socketPath}`,
      reach: { kind: "local" },
      options: { ...CLEARED_OPTIONS, socketPath },
    };
  }
  if (dockerHost.startsWith("npipe://")) {
    const socketPath = dockerHost.slice("npipe://".length) || "//./pipe/docker_engine";
    return {
      address: `npipe://${socketPath}`,
      reach: { kind: "local" },
      options: { ...CLEARED_OPTIONS, socketPath },
    };
  }
  let url: URL;
  try {
    url = new URL(dockerHost.includes("://") ? dockerHost : `tcp://${dockerHost}`);
  } catch {
    throw invalidHost(settings.describe(dockerHost));
  }
  if (!url.hostname) throw invalidHost(settings.describe(dockerHost));
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (url.protocol === "ssh:") {
    const port = Number(url.port || "22");
    const ssh = new SshTarget(hostname, port, decodeURIComponent(url.username), env);
    return {
      address: `ssh://${ssh.username}@${url.hostname}${port === 22 ? "" : `:${port}`}`,
      reach: { kind: "ssh", ssh },
      options: {
        ...CLEARED_OPTIONS,
        protocol: "ssh",
        host: hostname,
        port: String(port),
        username: ssh.username,
        sshOptions: ssh.connectConfig,
      },
    };
  }
  if (url.protocol !== "tcp:" && url.protocol !== "http:" && url.protocol !== "https:") {
    throw invalidHost(settings.describe(dockerHost));
  }
  const port = url.port || (url.protocol === "https:" || settings.wantsTls ? "2376" : "2375");
  const tls = url.protocol === "https:" || settings.wantsTls || port === "2376";
  const protocol = tls ? "https" : "http";
  const options: EngineEndpoint["options"] = {
    ...CLEARED_OPTIONS,
    protocol,
    host: hostname,
    port,
    pathPrefix: url.pathname && url.pathname !== "/" ? url.pathname : "/",
  };
  if (tls) Object.assign(options, settings.tlsFiles());
  return {
    address: `${protocol === "https" ? "https" : "tcp"}://${url.hostname}:${port}`,
    reach: { kind: "tcp", host: hostname },
    options,
  };
}

function invalidHost(what: string): DockerConfigurationError {
  return new DockerConfigurationError(
    `${what} is not a Docker engine address (expected unix:///path/to/docker.sock, tcp://host:port or ssh://user@host)`,
  );
}

/** A context's TLS material: the engine's CA is required, a client certificate comes with its key. */
function contextTls(name: string, tls: { ca?: Buffer; cert?: Buffer; key?: Buffer }) {
  if (!tls.ca) {
    throw new DockerConfigurationError(
      `the Docker context "${name}" speaks TLS but has no ca.pem to check its engine's certificate with`,
    );
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new DockerConfigurationError(
      `the Docker context "${name}" has a client ${tls.cert ? "certificate without its key" : "key without its certificate"}`,
    );
  }
  return tls;
}

function readTlsFiles(certPath: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  const read = (name: string): Buffer => {
    const file = path.join(certPath, name);
    try {
      return readFileSync(file);
    } catch {
      throw new DockerConfigurationError(
        `TLS to the Docker engine needs ${file} (set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem)`,
      );
    }
  };
  return { ca: read("ca.pem"), cert: read("cert.pem"), key: read("key.pem") };
}

/** Maps a client or engine failure to a typed error; `action` says what msehome was doing. */
export function engineErrorOf(address: string, action: string, error: unknown): Error {
  if (
    error instanceof DockerUnavailableError ||
    error instanceof DockerEngineError ||
    error instanceof DockerConfigurationError
  ) {
    return error;
  }
  const details = error as {
    code?: unknown;
    statusCode?: unknown;
    json?: unknown;
    message?: unknown;
    name?: unknown;
  };
  const code = typeof details.code === "string" ? details.code : undefined;
  if (code && code in UNREACHABLE_CODES) return new DockerUnavailableError(address, UNREACHABLE_CODES[code]!);
  if (typeof details.statusCode === "number") {
    const message = engineMessageOf(details.json, details.message);
    if (details.statusCode === 404) return new DockerNotFoundError(action, message);
    return new DockerEngineError(action, details.statusCode, message);
  }
  if (details.name === "AbortError") return error as Error;
  const message = error instanceof Error ? error.message : String(error);
  return new DockerEngineError(action, undefined, message);
}

/** The engine's own words: `{"message": ...}` when it sent JSON, else docker-modem's text without its prefix. */
function engineMessageOf(json: unknown, fallback: unknown): string {
  if (json && typeof json === "object" && typeof (json as { message?: unknown }).message === "string") {
    return (json as { message: string }).message.trim();
  }
  if (typeof json === "string" && json.trim()) return json.trim();
  if (Buffer.isBuffer(json) && json.length > 0) return json.toString("utf8").trim();
  const text = typeof fallback === "string" ? fallback : "unknown error";
  return text.replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, "").trim();
}

/** A handle on one Docker engine. Everything in src/docker takes one and returns typed values. */
export class DockerEngine {
  readonly address: string;
  /** The Docker context that named the engine, if any. */
  readonly context: string | undefined;
  /** How ports published on the engine's machine are reached from here. */
  readonly reach: EngineReach;
  /** The dockerode client; only src/docker uses it, callers get typed results. */
  readonly api: Docker;

  constructor(endpoint: EngineEndpoint) {
    this.address = endpoint.address;
    this.context = endpoint.context;
    this.reach = endpoint.reach;
    try {
      this.api = new Docker(endpoint.options);
    } catch (error) {
      // docker-modem also reads DOCKER_HOST and DOCKER_CERT_PATH itself and throws on what it dislikes.
      throw new DockerConfigurationError(
        `the Docker client rejects the environment's DOCKER_HOST/DOCKER_CERT_PATH settings: ${(error as Error).message}`,
      );
    }
  }

  /** How status and list name the engine: its address, and the context that chose it. */
  get description(): string {
    return this.context ? `${this.address} (context ${this.context})` : this.address;
  }

  /** A failure of this engine's client as a typed error; SSH failures say what SSH refused. */
  private errorOf(action: string, error: unknown): Error {
    const level = (error as { level?: unknown } | null)?.level;
    // ssh2 marks its own failures with a level: client-socket, client-authentication, handshake…
    if (this.reach.kind === "ssh" && typeof level === "string") {
      const rejection = this.reach.ssh.hostKeyRejection;
      const message = error instanceof Error ? error.message : String(error);
      const reason =
        rejection ??
        (level === "client-authentication"
          ? `SSH authentication as ${this.reach.ssh.username} failed; load a key into ssh-agent (SSH_AUTH_SOCK) or use ~/.ssh/id_ed25519`
          : `SSH: ${message}`);
      return new DockerUnavailableError(this.address, reason);
    }
    if (
      this.reach.kind === "ssh" &&
      error instanceof Error &&
      /dial-stdio|command not found/.test(error.message)
    ) {
      return new DockerUnavailableError(
        this.address,
        "the SSH host has no docker command to reach its engine with",
      );
    }
    return engineErrorOf(this.address, action, error);
  }

  /** The engine named by DOCKER_HOST (or the local socket), not yet contacted. */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): DockerEngine {
    return new DockerEngine(endpointFromEnvironment(env));
  }

  /** Checks the engine answers; throws DockerUnavailableError naming the address otherwise. */
  async ping(timeoutMs: number = PING_TIMEOUT_MS): Promise<void> {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      await this.api.ping({ abortSignal: signal } as never);
    } catch (error) {
      if (signal.aborted)
        throw new DockerUnavailableError(this.address, `no answer within ${timeoutMs / 1000} s`);
      const mapped = this.errorOf("pinging the Docker engine", error);
      if (mapped instanceof DockerEngineError && mapped.statusCode === undefined) {
        throw new DockerUnavailableError(this.address, mapped.engineMessage);
      }
      throw mapped;
    }
  }

  /** The engine's version (e.g. "20.10.24") and API version. */
  async version(): Promise<{ version: string; apiVersion: string }> {
    const info = await this.call("reading the Docker engine version", (api) => api.version());
    return { version: info.Version, apiVersion: info.ApiVersion };
  }

  /** Where the engine keeps images and containers on its machine (`DockerRootDir`), when it says. */
  async dataRoot(): Promise<string | undefined> {
    const info = (await this.call("reading the Docker engine's information", (api) => api.info())) as {
      DockerRootDir?: unknown;
    };
    return typeof info.DockerRootDir === "string" && info.DockerRootDir ? info.DockerRootDir : undefined;
  }

  /** Runs one dockerode call, turning its failures into typed errors. */
  async call<T>(action: string, run: (api: Docker) => Promise<T>): Promise<T> {
    try {
      return await run(this.api);
    } catch (error) {
      throw this.errorOf(action, error);
    }
  }

  /** A raw Engine API request; streaming endpoints resolve with the response body stream. */
  async request<T = unknown>(action: string, request: EngineRequest): Promise<T> {
    const modem = this.api.modem as {
      dial(options: EngineRequest, callback: (error: unknown, data: T) => void): void;
    };
    try {
      return await new Promise<T>((resolve, reject) => {
        modem.dial({ ...request, options: request.options ?? {} }, (error, data) =>
          error ? reject(error) : resolve(data),
        );
      });
    } catch (error) {
      throw this.errorOf(action, error);
    }
  }
}

/** The engine from the environment, checked to answer: the usual first step of a command. */
export async function connectDocker(env: NodeJS.ProcessEnv = process.env): Promise<DockerEngine> {
  const engine = DockerEngine.fromEnvironment(env);
  await engine.ping();
  return engine;
}

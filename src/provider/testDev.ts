// `msehome test-dev`: the code provider's local check before packaging. Builds the app image, runs
// the app in it with `msehome-dev` (plain HTTP, no enclave, secrets mounted as files), waits for
// its healthcheck, then runs the provider's tests against it. The container is always removed.
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { inspectContainer, removeContainer } from "../docker/container.js";
import { readContainerLogs } from "../docker/containerLogs.js";
import { type DevContainer, startDevContainer } from "../docker/devContainer.js";
import { connectDocker, type DockerEngine } from "../docker/engine.js";
import { PortUnavailableError } from "../docker/errors.js";
import { readMseToml } from "../model/mseToml.js";
import { extractTarSafely } from "../package/safeExtract.js";
import { tarDirectory } from "../package/tarWriter.js";
import { buildAppImage, type ImageBuildReporter } from "./appImage.js";
import { runAppTests, TestRequirementsError } from "./appTests.js";
import {
  checkProjectInputs,
  imageBuildArgs,
  imageRepositoryFor,
  type ImageBuildOptions,
  type ProjectInputOptions,
  resolveProjectInputs,
} from "./projectInputs.js";

export interface TestDevOptions extends ProjectInputOptions, ImageBuildOptions {
  /** secrets.json, mounted where SECRETS_PATH points and given to the tests as TEST_SECRET_JSON. */
  secrets?: string;
  /** The secrets that will be sealed (in clear here), at SEALED_SECRETS_PATH and TEST_SEALED_SECRET_JSON. */
  sealedSecrets?: string;
  /** How long the app has to answer its healthcheck with 200 (default 60 s). */
  healthcheckTimeoutMs?: number;
  reporter?: TestDevReporter;
  engine?: DockerEngine;
  /** Aborting (Ctrl-C) stops whatever runs, removes the container and rejects with the reason. */
  signal?: AbortSignal;
}

/** What a front end shows while testing. */
export interface TestDevReporter extends ImageBuildReporter {
  /** The tests' output (and npm's while it installs the requirements), as it comes. */
  testOutput?(chunk: Buffer): void;
  /** The app container's logs, when something failed. */
  containerLogs?(name: string, logs: string): void;
}

export interface TestDevResult {
  name: string;
  image: { id: string; tag: string };
  /** The TEST_REMOTE_URL the tests ran against. */
  url: string;
  healthcheck: string;
  tests: { command: string; requirements: string[]; ranIn: string; exitCode: number };
  secrets: string | null;
  sealedSecrets: string | null;
}

export const DEFAULT_HEALTHCHECK_TIMEOUT_MS = 60_000;
const POLL_INTERVAL_MS = 250;
/** Short: the first connection through Docker's port proxy may hang while the container's network comes up. */
const PROBE_TIMEOUT_MS = 2_000;
const PORT_ATTEMPTS = 3;

/** A failure after which the app container's logs help: they are printed before the error. */
export class AppTestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AppTestError";
  }
}

async function checkSecretsFile(
  file: string | undefined,
  what: string,
  json: boolean,
): Promise<string | undefined> {
  if (file === undefined) return undefined;
  const absolute = path.resolve(file);
  const info = await stat(absolute).catch((cause: unknown) => {
    throw new Error(`cannot read the ${what} ${absolute}`, { cause });
  });
  if (!info.isFile()) throw new Error(`the ${what} ${absolute} is not a file`);
  if (json) {
    // The content is never echoed: only where it is wrong.
    try {
      JSON.parse(await readFile(absolute, "utf8"));
    } catch {
      // The parser's message quotes the text around the error, which may be a secret.
      throw new Error(`the ${what} ${absolute} is not valid JSON`);
    }
  }
  return absolute;
}

/** A TCP port on 127.0.0.1 free at the time of the call. */
async function freeLocalPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The code exactly as `package` ships it (.mseignore applied), unpacked where the container can read it. */
async function stageCode(codeDir: string, work: string): Promise<string> {
  const tar = path.join(work, "app.tar");
  await tarDirectory(codeDir, tar);
  const staged = path.join(work, "app");
  await extractTarSafely(tar, staged);
  await rm(tar, { force: true });
  // Readable by the container's user even under user-namespace remapping.
  await chmod(work, 0o755);
  await chmod(staged, 0o755);
  return staged;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason instanceof Error ? signal!.reason : new Error("interrupted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * One GET, given `timeoutMs`. (A timer of our own rather than AbortSignal.timeout/any: their timers do not
 * keep Node's event loop alive, and a request the peer accepted but never answers would then end
 * the process.)
 */
async function probe(url: string, timeoutMs: number, signal?: AbortSignal): Promise<number> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error(`no answer within ${timeoutMs / 1000} s`)),
    timeoutMs,
  );
  const forward = (): void => controller.abort(signal?.reason);
  signal?.addEventListener("abort", forward, { once: true });
  try {
    const response = await fetch(url, { signal: controller.signal });
    await response.body?.cancel();
    return response.status;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", forward);
  }
}

/** Polls the healthcheck until it answers 200; fails at once when the container stops. */
async function waitForHealthcheck(
  engine: DockerEngine,
  container: DevContainer,
  endpoint: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const url = `http://${container.hostIp}:${container.port}${endpoint}`;
  const deadline = Date.now() + timeoutMs;
  let last = "nothing answered";
  for (;;) {
    signal?.throwIfAborted();
    const state = await inspectContainer(engine, container.id);
    if (!state.running) {
      throw new AppTestError(
        `the app exited with code ${state.exitCode ?? "unknown"} before answering GET ${endpoint}${state.error ? ` (${state.error})` : ""}`,
      );
    }
    try {
      const remaining = deadline - Date.now();
      const status = await probe(url, Math.min(PROBE_TIMEOUT_MS, Math.max(500, remaining)), signal);
      if (status === 200) return;
      last = `it answered ${status}`;
    } catch (error) {
      signal?.throwIfAborted();
      const cause = (error as Error).cause;
      last = cause instanceof Error ? cause.message : (error as Error).message;
    }
    if (Date.now() >= deadline) {
      throw new AppTestError(
        `the app did not answer GET ${endpoint} with 200 within ${Math.round(timeoutMs / 1000)} s (last: ${last})`,
      );
    }
    await sleep(POLL_INTERVAL_MS, signal);
  }
}

async function startWithFreePort(
  engine: DockerEngine,
  spec: Omit<Parameters<typeof startDevContainer>[1], "port">,
): Promise<DevContainer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevContainer(engine, { ...spec, port: await freeLocalPort() });
    } catch (error) {
      // Another process may take the port between our check and Docker's bind.
      if (!(error instanceof PortUnavailableError) || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

export async function testDev(options: TestDevOptions): Promise<TestDevResult> {
  const report = options.reporter ?? {};
  const signal = options.signal;
  const inputs = resolveProjectInputs(options);
  const buildArgs = imageBuildArgs(options);
  await checkProjectInputs(inputs);
  const config = await readMseToml(inputs.config);
  const secrets = await checkSecretsFile(options.secrets, "secrets file", true);
  const sealedSecrets = await checkSecretsFile(options.sealedSecrets, "sealed secrets file", false);
  const engine = options.engine ?? (await connectDocker());
  signal?.throwIfAborted();

  const repository = imageRepositoryFor(config.name);
  const built = await buildAppImage(engine, {
    inputs,
    repository,
    buildArgs,
    reporter: report,
    ...(signal ? { signal } : {}),
  });

  const work = await mkdtemp(path.join(tmpdir(), "msehome-test-dev-"));
  let container: DevContainer | undefined;
  try {
    report.phase?.("Staging the code");
    const codeDir = await stageCode(inputs.code, work);
    signal?.throwIfAborted();
    report.phase?.(`Starting ${config.name} with msehome-dev`);
    container = await startWithFreePort(engine, {
      name: `${config.name}-test-dev-${randomBytes(3).toString("hex")}`,
      appName: config.name,
      image: built.id,
      application: config.application,
      codeDir,
      ...(secrets ? { secretsFile: secrets } : {}),
      ...(sealedSecrets ? { sealedSecretsFile: sealedSecrets } : {}),
    });
    const url = `http://${container.hostIp}:${container.port}`;
    report.phase?.(`Waiting for GET ${config.healthcheck_endpoint} on ${url}`);
    await waitForHealthcheck(
      engine,
      container,
      config.healthcheck_endpoint,
      options.healthcheckTimeoutMs ?? DEFAULT_HEALTHCHECK_TIMEOUT_MS,
      signal,
    );
    const tests = await runAppTests({
      testsDir: inputs.tests,
      command: config.tests_cmd,
      requirements: config.tests_requirements,
      remoteUrl: url,
      ...(secrets ? { secretsFile: secrets } : {}),
      ...(sealedSecrets ? { sealedSecretsFile: sealedSecrets } : {}),
      ...(signal ? { signal } : {}),
      onPhase: (message) => report.phase?.(message),
      onOutput: (chunk) => report.testOutput?.(chunk),
      onInstallOutput: (chunk) => report.testOutput?.(chunk),
    }).catch((error: unknown) => {
      if (error instanceof TestRequirementsError) throw new AppTestError(error.message, { cause: error });
      throw error;
    });
    if (tests.exitCode !== 0) {
      throw new AppTestError(
        `the tests failed: ${JSON.stringify(config.tests_cmd)} exited with code ${tests.exitCode} in ${inputs.tests}`,
      );
    }
    return {
      name: config.name,
      image: { id: built.id, tag: built.tag },
      url,
      healthcheck: config.healthcheck_endpoint,
      tests,
      secrets: secrets ?? null,
      sealedSecrets: sealedSecrets ?? null,
    };
  } catch (error) {
    if (container && error instanceof AppTestError) {
      const logs = await readContainerLogs(engine, container.id).catch(
        (cause: unknown) => `(the logs could not be read: ${(cause as Error).message})`,
      );
      report.containerLogs?.(container.name, logs);
    }
    throw error;
  } finally {
    if (container) await removeContainer(engine, container.id, { force: true, ignoreMissing: true });
    await rm(work, { recursive: true, force: true });
  }
}

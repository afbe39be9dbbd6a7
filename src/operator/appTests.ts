// `msehome test NAME --test DIR --config FILE`: runs the code provider's tests against the deployed
// app, over TLS to its RA-TLS certificate. What is the operator's: finding the running app and its
// URL, and handing the tests its certificate to trust; provider/appTests runs them (from a
// temporary copy of DIR, where `tests_requirements` are installed with npm).
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Writable } from "node:stream";
import { getAppContainer } from "../docker/appContainerLookup.js";
import { connectDocker, type DockerEngine } from "../docker/engine.js";
import { readMseToml } from "../model/mseToml.js";
import { runAppTests, TestRequirementsError } from "../provider/appTests.js";
import { fetchAppCertificate } from "./appCertificate.js";
import { appEndpoint } from "./appEndpoint.js";
import { forwardAppPort } from "./appPortForward.js";
import { probeApp } from "./appState.js";
import { AppStateError, OperatorInputError } from "./errors.js";

export interface TestRequest {
  name: string;
  /** The tests directory (DIR/tests after spawn). */
  testsDir: string;
  /** The app's mse.toml (DIR/mse.toml after spawn): tests_cmd and tests_requirements. */
  configPath: string;
  /** Where the tests' and npm's output goes (default: this process's). */
  stdout?: Writable;
  stderr?: Writable;
  /** Called before each step (installing, running). */
  onPhase?: (message: string) => void;
  /** Aborting kills the running npm or tests and rejects with the reason. */
  signal?: AbortSignal;
  engine?: DockerEngine;
}

export interface TestResult {
  name: string;
  url: string;
  command: string;
  requirements: string[];
}

/** The tests ran and failed (or could not be set up); the exit code says which step. */
export class AppTestsFailedError extends Error {
  constructor(
    readonly appName: string,
    readonly step: "install" | "tests",
    /** The command's exit code (not msehome's: the CLI exits 1). */
    readonly commandExitCode: number | null,
    readonly signal: string | null,
  ) {
    const how = signal ? `was killed by ${signal}` : `exited with code ${commandExitCode}`;
    super(
      step === "install"
        ? `installing the tests_requirements of "${appName}" failed (npm ${how})`
        : `the tests of "${appName}" failed (tests_cmd ${how})`,
    );
    this.name = "AppTestsFailedError";
  }
}

/** The secret files the caller's TEST_SECRET_JSON and TEST_SEALED_SECRET_JSON name; the tests run elsewhere, so relative paths are resolved here. */
function secretFilesFromEnvironment(env: NodeJS.ProcessEnv): {
  secretsFile?: string;
  sealedSecretsFile?: string;
} {
  return {
    ...(env.TEST_SECRET_JSON ? { secretsFile: path.resolve(env.TEST_SECRET_JSON) } : {}),
    ...(env.TEST_SEALED_SECRET_JSON ? { sealedSecretsFile: path.resolve(env.TEST_SEALED_SECRET_JSON) } : {}),
  };
}

/** https://host:port, with brackets around an IPv6 host. */
export function appUrl(host: string, port: number): string {
  return `https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

export async function testApp(request: TestRequest): Promise<TestResult> {
  const stdout = request.stdout ?? process.stdout;
  const stderr = request.stderr ?? process.stderr;
  const testsDir = path.resolve(request.testsDir);
  try {
    if (!(await stat(testsDir)).isDirectory()) throw new Error("not a directory");
  } catch {
    throw new OperatorInputError(`--test ${request.testsDir} is not a directory`);
  }
  const config = await readMseToml(path.resolve(request.configPath)).catch((cause: unknown) => {
    throw new OperatorInputError(`--config: ${(cause as Error).message}`, { cause });
  });

  const engine = request.engine ?? (await connectDocker());
  const app = await getAppContainer(engine, request.name);
  const probe = await probeApp(app, { reach: engine.reach });
  if (probe.state !== "running") {
    const hint = probe.state === "waiting for secrets" ? "; start it with `msehome run` first" : "";
    throw new AppStateError(
      app.name,
      probe.state,
      `the app "${app.name}" is not running: it is ${probe.state} (${probe.detail})${hint}`,
    );
  }
  const certificatePem = await fetchAppCertificate(app, engine.reach);
  // A local engine's app answers at its name; a remote one at the engine's host, or through a
  // local port tunnelled over SSH. The tests pin the certificate, so the name need not match.
  const endpoint = appEndpoint(app, engine.reach);
  const appPort = await forwardAppPort(
    endpoint,
    engine.reach.kind === "local" ? app.labels.host : endpoint.address,
  );
  const url = appUrl(appPort.host, appPort.port);

  const work = await mkdtemp(path.join(tmpdir(), "msehome-test-"));
  try {
    const certificateFile = path.join(work, "ratls.pem");
    await writeFile(certificateFile, certificatePem);
    const requirements = config.tests_requirements;
    const tests = await runAppTests({
      testsDir,
      command: config.tests_cmd,
      requirements,
      remoteUrl: url,
      ...secretFilesFromEnvironment(process.env),
      // The scaffolded tests require exactly this certificate; any Node client trusts it as a CA.
      env: { TEST_RATLS_CERT: certificateFile, NODE_EXTRA_CA_CERTS: certificateFile },
      // The spawn directory stays as the package left it.
      alwaysCopy: true,
      ...(request.signal ? { signal: request.signal } : {}),
      onPhase: (message) => request.onPhase?.(message),
      onOutput: (chunk, stream) => (stream === "stdout" ? stdout : stderr).write(chunk),
      onInstallOutput: (chunk) => stderr.write(chunk),
    }).catch((error: unknown) => {
      if (error instanceof TestRequirementsError) {
        throw new AppTestsFailedError(app.name, "install", error.exitCode, error.killedBy ?? null);
      }
      throw error;
    });
    if (tests.exitCode !== 0) {
      throw new AppTestsFailedError(app.name, "tests", tests.exitCode, tests.killedBy ?? null);
    }
    return { name: app.name, url, command: config.tests_cmd, requirements };
  } finally {
    await appPort.close();
    await rm(work, { recursive: true, force: true });
  }
}

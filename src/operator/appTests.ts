// `msehome test NAME --test DIR --config FILE`: runs the code provider's tests against the deployed
// app, over TLS to its RA-TLS certificate. The tests run from a temporary copy of DIR, where
// `tests_requirements` are installed with npm (nothing is installed when the list is empty), so
// the spawn directory stays as the package left it.
import { spawn } from "node:child_process";
import { cp, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Writable } from "node:stream";
import { getAppContainer } from "../docker/appContainerLookup.js";
import { connectDocker, type DockerEngine } from "../docker/engine.js";
import { readMseToml } from "../model/mseToml.js";
import { fetchAppCertificate } from "./appCertificate.js";
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

/** Runs a command, streaming its output; resolves with its exit status. */
function runProcess(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; stdout: Writable; stderr: Writable },
): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.pipe(options.stdout, { end: false });
    child.stderr.pipe(options.stderr, { end: false });
    child.on("error", (error) =>
      reject(new Error(`cannot start ${command}: ${error.message}`, { cause: error })),
    );
    child.on("close", (code, signal) => resolve({ code, signal }));
  });
}

/** Variables the scaffolded tests read as file paths; the tests run elsewhere, so relative ones are resolved here. */
const PATH_VARIABLES = ["TEST_SECRET_JSON", "TEST_SEALED_SECRET_JSON"] as const;

function absolutePathVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const resolved: NodeJS.ProcessEnv = {};
  for (const name of PATH_VARIABLES) {
    const value = env[name];
    if (value) resolved[name] = path.resolve(value);
  }
  return resolved;
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
  const probe = await probeApp(app);
  if (probe.state !== "running") {
    const hint = probe.state === "waiting for secrets" ? "; start it with `msehome run` first" : "";
    throw new AppStateError(
      app.name,
      probe.state,
      `the app "${app.name}" is not running: it is ${probe.state} (${probe.detail})${hint}`,
    );
  }
  const certificatePem = await fetchAppCertificate(app);
  const url = appUrl(app.labels.host, app.labels.port);

  const work = await mkdtemp(path.join(tmpdir(), "msehome-test-"));
  try {
    const copy = path.join(work, "tests");
    await cp(testsDir, copy, { recursive: true });
    const certificateFile = path.join(work, "ratls.pem");
    await writeFile(certificateFile, certificatePem);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...absolutePathVariables(process.env),
      TEST_REMOTE_URL: url,
      // The scaffolded tests require exactly this certificate; any Node client trusts it as a CA.
      TEST_RATLS_CERT: certificateFile,
      NODE_EXTRA_CA_CERTS: certificateFile,
      NODE_PATH: path.join(copy, "node_modules"),
    };
    const requirements = config.tests_requirements;
    if (requirements.length > 0) {
      request.onPhase?.(`Installing ${requirements.join(", ")}`);
      const install = await runProcess(
        "npm",
        [
          "install",
          "--prefix",
          copy,
          "--no-save",
          "--no-package-lock",
          "--no-audit",
          "--no-fund",
          "--",
          ...requirements,
        ],
        { cwd: copy, env: { ...process.env }, stdout: stderr, stderr },
      );
      if (install.code !== 0)
        throw new AppTestsFailedError(app.name, "install", install.code, install.signal);
    }
    request.onPhase?.(`Running ${config.tests_cmd} against ${url}`);
    const tests = await runProcess("/bin/sh", ["-c", config.tests_cmd], { cwd: copy, env, stdout, stderr });
    if (tests.code !== 0) throw new AppTestsFailedError(app.name, "tests", tests.code, tests.signal);
    return { name: app.name, url, command: config.tests_cmd, requirements };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

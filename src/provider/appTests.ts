// Runs the code provider's tests (mse.toml's tests_cmd) against a running app, for `test-dev`
// (the app in a development container) and `msehome test` (the deployed enclave): installs
// tests_requirements with npm into a temporary copy of the tests directory when there are any
// (the user's directory is never written to), then runs tests_cmd through the shell in the tests
// directory (or that copy) with TEST_REMOTE_URL, TEST_SECRET_JSON and TEST_SEALED_SECRET_JSON.
import { spawn } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

export interface AppTestsOptions {
  /** The tests directory (absolute). */
  testsDir: string;
  /** mse.toml's tests_cmd, run by /bin/sh. */
  command: string;
  /** mse.toml's tests_requirements: npm package specifiers. */
  requirements: readonly string[];
  /** Where the app answers (TEST_REMOTE_URL). */
  remoteUrl: string;
  /** TEST_SECRET_JSON: the secrets file, when there is one. */
  secretsFile?: string;
  /** TEST_SEALED_SECRET_JSON: the (unsealed) sealed secrets file, when there is one. */
  sealedSecretsFile?: string;
  /** More environment for the tests (e.g. TEST_RATLS_CERT). */
  env?: Record<string, string>;
  /** Run from a temporary copy even when nothing is installed, so the tests cannot write to their directory. */
  alwaysCopy?: boolean;
  /** Aborting kills the running npm or tests (their whole process group) and rejects with the reason. */
  signal?: AbortSignal;
  /** The tests' stdout and stderr, as they come. */
  onOutput?(chunk: Buffer, stream: OutputStream): void;
  /** npm's output while it installs the requirements. */
  onInstallOutput?(chunk: Buffer): void;
  /** What happens now. */
  onPhase?(message: string): void;
}

export interface AppTestsResult {
  command: string;
  requirements: string[];
  /** Where tests_cmd ran: the tests directory, or its temporary copy holding the requirements. */
  ranIn: "tests directory" | "temporary copy";
  /** tests_cmd's exit code (128 + n when killed by signal n). */
  exitCode: number;
  /** The signal that killed tests_cmd, when one did. */
  killedBy?: string;
}

export type OutputStream = "stdout" | "stderr";

/** npm could not install tests_requirements. */
export class TestRequirementsError extends Error {
  constructor(
    readonly requirements: readonly string[],
    readonly exitCode: number,
    readonly outputTail: string,
    /** The signal that killed npm, when one did. */
    readonly killedBy?: string,
  ) {
    super(
      `npm could not install the tests requirements ${requirements.join(", ")} (npm exited with code ${exitCode})`,
    );
    this.name = "TestRequirementsError";
  }
}

/** How many bytes of npm's output a failure keeps. */
const INSTALL_TAIL_BYTES = 4096;

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

interface ProcessOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  shell: boolean;
  signal?: AbortSignal | undefined;
  onOutput?: ((chunk: Buffer, stream: OutputStream) => void) | undefined;
}

interface ProcessExit {
  /** The exit code (128 + n when killed by signal n). */
  exitCode: number;
  killedBy?: string;
}

/** Runs a process in its own process group; an abort kills the group. Resolves with how it exited. */
function runProcess(file: string, args: string[], options: ProcessOptions): Promise<ProcessExit> {
  options.signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      shell: options.shell,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk: Buffer) => options.onOutput?.(chunk, "stdout"));
    child.stderr.on("data", (chunk: Buffer) => options.onOutput?.(chunk, "stderr"));
    const kill = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      // Whatever ignores SIGTERM goes after a grace period.
      setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // Already gone.
        }
      }, 3_000).unref();
    };
    options.signal?.addEventListener("abort", kill, { once: true });
    child.on("error", (error: NodeJS.ErrnoException) => {
      options.signal?.removeEventListener("abort", kill);
      reject(
        error.code === "ENOENT"
          ? new Error(`cannot run ${file}: it is not installed or not on the PATH`, { cause: error })
          : error,
      );
    });
    child.on("close", (code, signalName) => {
      options.signal?.removeEventListener("abort", kill);
      if (options.signal?.aborted) {
        reject(options.signal.reason instanceof Error ? options.signal.reason : new Error("interrupted"));
        return;
      }
      resolve(
        signalName
          ? { exitCode: 128 + (SIGNAL_NUMBERS[signalName] ?? 0), killedBy: signalName }
          : { exitCode: code ?? 0 },
      );
    });
  });
}

/** A copy of the tests directory. */
async function copyTests(options: AppTestsOptions, work: string): Promise<string> {
  const copy = path.join(work, path.basename(options.testsDir) || "tests");
  await cp(options.testsDir, copy, { recursive: true, verbatimSymlinks: true });
  return copy;
}

/** Installs the requirements into the copy's node_modules. */
async function installRequirements(options: AppTestsOptions, copy: string): Promise<void> {
  options.onPhase?.(`Installing the tests requirements: ${options.requirements.join(", ")}`);
  let tail = Buffer.alloc(0);
  const { exitCode, killedBy } = await runProcess(
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
      ...options.requirements,
    ],
    {
      cwd: copy,
      env: process.env,
      shell: false,
      signal: options.signal,
      onOutput: (chunk) => {
        tail = Buffer.concat([tail, chunk]).subarray(-INSTALL_TAIL_BYTES);
        options.onInstallOutput?.(chunk);
      },
    },
  );
  if (exitCode !== 0) {
    throw new TestRequirementsError(options.requirements, exitCode, tail.toString("utf8"), killedBy);
  }
}

/**
 * The tests' environment: ours, minus stale TEST_* variables, plus the app's address and secret
 * files, and the installed requirements (their binaries on PATH, their modules on NODE_PATH).
 */
function testEnvironment(options: AppTestsOptions, modulesDir: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.TEST_SECRET_JSON;
  delete env.TEST_SEALED_SECRET_JSON;
  env.TEST_REMOTE_URL = options.remoteUrl;
  if (options.secretsFile) env.TEST_SECRET_JSON = options.secretsFile;
  if (options.sealedSecretsFile) env.TEST_SEALED_SECRET_JSON = options.sealedSecretsFile;
  if (modulesDir) {
    env.PATH = `${path.join(modulesDir, ".bin")}${path.delimiter}${env.PATH ?? ""}`;
    env.NODE_PATH = modulesDir;
  }
  return { ...env, ...options.env };
}

export async function runAppTests(options: AppTestsOptions): Promise<AppTestsResult> {
  let work: string | undefined;
  try {
    let directory = options.testsDir;
    const installing = options.requirements.length > 0;
    if (installing || options.alwaysCopy) {
      work = await mkdtemp(path.join(tmpdir(), "msehome-tests-"));
      directory = await copyTests(options, work);
      if (installing) await installRequirements(options, directory);
    }
    options.onPhase?.(`Running the tests: ${options.command}`);
    const { exitCode, killedBy } = await runProcess(options.command, [], {
      cwd: directory,
      env: testEnvironment(options, installing ? path.join(directory, "node_modules") : undefined),
      shell: true,
      signal: options.signal,
      onOutput: options.onOutput,
    });
    return {
      command: options.command,
      requirements: [...options.requirements],
      ranIn: work ? "temporary copy" : "tests directory",
      exitCode,
      ...(killedBy ? { killedBy } : {}),
    };
  } finally {
    if (work) await rm(work, { recursive: true, force: true });
  }
}

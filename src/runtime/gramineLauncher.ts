// Runs the runtime inside an SGX enclave on hardware: writes the Gramine manifest, signs it with
// gramine-sgx-sign (which prints the measurement) and starts gramine-sgx. For --dry-run it signs
// with a throw-away key, since MRENCLAVE does not depend on the signer, and prints the measurement.
import { execFile, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { LaunchArguments } from "../model/launchArguments.js";
import { MANIFEST_NAME, renderGramineManifest, type GraminePaths } from "./gramineManifest.js";
import type { RuntimeLayout } from "./layout.js";
import { formatMeasurement } from "./measurement.js";

const run = promisify(execFile);

/** Libraries of the official Node binary that Gramine's glibc does not provide. */
export const NODE_LIBRARIES = [
  "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
  "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1",
];

/** Reads the MRENCLAVE from gramine-sgx-sign's output ("Measurement:" then the hex on the next line). */
export function parseSignerMeasurement(output: string): Uint8Array {
  const match = /^Measurement:\s*\n\s+([0-9a-f]{64})\s*$/m.exec(output);
  if (!match) throw new Error("gramine-sgx-sign did not print a measurement");
  return new Uint8Array(Buffer.from(match[1] as string, "hex"));
}

async function requireTool(tool: string): Promise<void> {
  try {
    await run("sh", ["-c", `command -v ${tool}`]);
  } catch {
    throw new Error(
      `${tool} is not installed in this image: SGX hardware needs the base image built from docker/base/Dockerfile ` +
        "(or spawn with --simulation)",
    );
  }
}

/** Asks gramine-manifest where the LibOS and Gramine's runtime live in this installation. */
export async function discoverGraminePaths(): Promise<GraminePaths> {
  await requireTool("gramine-manifest");
  const dir = await mkdtemp(path.join(tmpdir(), "msehome-gramine-"));
  try {
    const template = path.join(dir, "paths.template");
    await writeFile(template, "{{ gramine.libos }}\n{{ gramine.runtimedir() }}\n");
    const { stdout } = await run("gramine-manifest", [template]);
    const [libos, runtimeDir] = stdout.trim().split("\n");
    if (!libos || !runtimeDir) throw new Error("gramine-manifest did not print the LibOS and runtime paths");
    return { libos, runtimeDir };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A fresh RSA-3072 key with exponent 3, as SGX requires, for measuring without the real signer. */
function throwAwaySignerKey(): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 3072, publicExponent: 3 });
  return privateKey.export({ type: "pkcs8", format: "pem" }) as string;
}

export async function writeManifest(args: LaunchArguments, layout: RuntimeLayout): Promise<string> {
  await requireTool("gramine-sgx-sign");
  const gramine = await discoverGraminePaths();
  await mkdir(layout.enclaveDir, { recursive: true });
  await mkdir(layout.storageDir, { recursive: true, mode: 0o700 });
  const manifestPath = path.join(layout.enclaveDir, `${MANIFEST_NAME}.manifest`);
  const manifest = renderGramineManifest({
    args,
    layout,
    gramine,
    nodeBinary: process.execPath,
    nodeLibraries: NODE_LIBRARIES.filter((library) => existsSync(library)),
    hasDependencies: existsSync(layout.dependenciesDir),
  });
  await writeFile(manifestPath, manifest);
  return manifestPath;
}

export async function signManifest(manifestPath: string, keyPath: string): Promise<Uint8Array> {
  const output = manifestPath.replace(/\.manifest$/, ".manifest.sgx");
  const { stdout } = await run(
    "gramine-sgx-sign",
    ["--manifest", manifestPath, "--output", output, "--key", keyPath],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return parseSignerMeasurement(stdout);
}

/** `--dry-run` on hardware: the measurement gramine-sgx-sign computes, signed by a throw-away key. */
export async function gramineDryRun(args: LaunchArguments, layout: RuntimeLayout): Promise<string> {
  const manifestPath = await writeManifest(args, layout);
  const keyDir = await mkdtemp(path.join(tmpdir(), "msehome-key-"));
  try {
    const keyPath = path.join(keyDir, "throw-away.pem");
    await writeFile(keyPath, throwAwaySignerKey(), { mode: 0o600 });
    return formatMeasurement(await signManifest(manifestPath, keyPath));
  } finally {
    await rm(keyDir, { recursive: true, force: true });
  }
}

/** Signs with the operator's key and runs the enclave until it exits; returns its exit code. */
export async function runInGramine(
  args: LaunchArguments,
  layout: RuntimeLayout,
  log: (line: string) => void,
  stopped: Promise<void>,
): Promise<number> {
  const manifestPath = await writeManifest(args, layout);
  await readFile(layout.signerKey).catch((error: unknown) => {
    throw new Error(`the enclave signer key is missing at ${layout.signerKey}`, { cause: error });
  });
  const measurement = await signManifest(manifestPath, layout.signerKey);
  log(`signed the enclave, MRENCLAVE ${Buffer.from(measurement).toString("hex")}`);
  await requireTool("gramine-sgx");
  const child = spawn("gramine-sgx", [MANIFEST_NAME], { cwd: layout.enclaveDir, stdio: "inherit" });
  void stopped.then(() => child.kill("SIGTERM"));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)));
  });
}

// Runs the runtime inside an SGX enclave on hardware, with Gramine's own tools: gramine-manifest
// renders and validates the manifest template, gramine-sgx-sign signs it (and prints the
// measurement), gramine-sgx starts the enclave. For --dry-run it signs with a throw-away key, since
// MRENCLAVE does not depend on the signer, and prints the measurement.
import { execFile, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { LaunchArguments } from "../model/launchArguments.js";
import { gramineManifestTemplate, MANIFEST_NAME } from "./gramineManifest.js";
import type { RuntimeLayout } from "./layout.js";
import { formatMeasurement } from "./measurement.js";

/** Libraries of the official Node binary that Gramine's glibc does not provide. */
export const NODE_LIBRARIES = [
  "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
  "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1",
];

/** The files of one enclave in the enclave directory, named as gramine-sgx expects them. */
export function enclaveFiles(layout: RuntimeLayout): {
  template: string;
  manifest: string;
  signedManifest: string;
  signature: string;
} {
  const base = path.join(layout.enclaveDir, MANIFEST_NAME);
  return {
    template: `${base}.manifest.template`,
    manifest: `${base}.manifest`,
    signedManifest: `${base}.manifest.sgx`,
    signature: `${base}.sig`,
  };
}

/** Reads the MRENCLAVE from gramine-sgx-sign's output ("Measurement:" then the hex on the next line). */
export function parseSignerMeasurement(output: string): Uint8Array {
  const match = /^Measurement:\s*\n\s+([0-9a-f]{64})\s*$/m.exec(output);
  if (!match) throw new Error("gramine-sgx-sign did not print a measurement");
  return new Uint8Array(Buffer.from(match[1] as string, "hex"));
}

/** The last line of a tool's error output: Gramine's tools put the reason there. */
function reasonOf(stderr: string, stdout: string): string {
  const lines = `${stderr}\n${stdout}`
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.at(-1) ?? "no output";
}

/** Runs one of Gramine's tools; a missing tool or a failure becomes one sentence. */
function runGramineTool(tool: string, args: string[], doing: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) {
        resolve(stdout);
        return;
      }
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        reject(
          new Error(
            `${tool} is not installed in this image: SGX hardware needs the base image built from ` +
              "docker/base/Dockerfile (or spawn with --simulation)",
          ),
        );
        return;
      }
      reject(new Error(`${tool} failed ${doing}: ${reasonOf(stderr, stdout)}`));
    });
  });
}

/** A fresh RSA-3072 key with exponent 3, as SGX requires, for measuring without the real signer. */
function throwAwaySignerKey(): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 3072, publicExponent: 3 });
  return privateKey.export({ type: "pkcs8", format: "pem" }) as string;
}

/** Writes the template and has gramine-manifest render (and validate) it; returns the manifest's path. */
export async function renderManifest(args: LaunchArguments, layout: RuntimeLayout): Promise<string> {
  const files = enclaveFiles(layout);
  await mkdir(layout.enclaveDir, { recursive: true });
  const template = gramineManifestTemplate({
    args,
    layout,
    nodeBinary: process.execPath,
    nodeLibraries: NODE_LIBRARIES.filter((library) => existsSync(library)),
    hasDependencies: existsSync(layout.dependenciesDir),
  });
  await writeFile(files.template, template);
  await runGramineTool(
    "gramine-manifest",
    [files.template, files.manifest],
    "to render the enclave's manifest",
  );
  return files.manifest;
}

/** Signs the rendered manifest; returns the MRENCLAVE gramine-sgx-sign computed. */
export async function signManifest(layout: RuntimeLayout, keyPath: string): Promise<Uint8Array> {
  const files = enclaveFiles(layout);
  const stdout = await runGramineTool(
    "gramine-sgx-sign",
    ["--manifest", files.manifest, "--output", files.signedManifest, "--key", keyPath],
    "to sign the enclave",
  );
  return parseSignerMeasurement(stdout);
}

/** `--dry-run` on hardware: the measurement gramine-sgx-sign computes, signed by a throw-away key. */
export async function gramineDryRun(args: LaunchArguments, layout: RuntimeLayout): Promise<string> {
  await renderManifest(args, layout);
  const keyDir = await mkdtemp(path.join(tmpdir(), "msehome-key-"));
  try {
    const keyPath = path.join(keyDir, "throw-away.pem");
    await writeFile(keyPath, throwAwaySignerKey(), { mode: 0o600 });
    return formatMeasurement(await signManifest(layout, keyPath));
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
  await readFile(layout.signerKey).catch((error: unknown) => {
    throw new Error(`the enclave signer key is missing at ${layout.signerKey}`, { cause: error });
  });
  await renderManifest(args, layout);
  const measurement = await signManifest(layout, layout.signerKey);
  log(`signed the enclave, MRENCLAVE ${Buffer.from(measurement).toString("hex")}`);
  const child = spawn("gramine-sgx", [MANIFEST_NAME], { cwd: layout.enclaveDir, stdio: "inherit" });
  void stopped.then(() => child.kill("SIGTERM"));
  return new Promise((resolve, reject) => {
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "ENOENT" ? new Error("gramine-sgx is not installed in this image") : error),
    );
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)));
  });
}

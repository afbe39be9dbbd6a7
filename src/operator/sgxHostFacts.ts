// The raw facts the SGX platform checks judge (sgxHostChecks holds the rules): the CPU flags' text,
// the devices' state, whether aesmd answers, the QCNL file's text. Gathered in this process for a
// local engine, or inside a short-lived container on a remote engine's machine (remoteSgxHost): the
// gatherer is one self-contained function, so the same code runs on both sides.
import { constants } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import { createConnection } from "node:net";
import type { SgxHostPaths } from "./sgxHostChecks.js";

/** A file's text, or the error code (and message) that kept it from being read. */
export type FileFact = { text: string } | { code?: string; message: string };

export interface DeviceFact {
  /** "missing" when it does not exist; "error" when it cannot be looked at. */
  kind: "character" | "other" | "missing" | "error";
  /** Why it could not be looked at (kind "error"). */
  message?: string;
  /** Opening it read-write: "ok" or the error code (character devices only). */
  open?: string;
}

export interface SgxHostFacts {
  cpuinfo: FileFact;
  kernelRelease: FileFact;
  enclaveDevice: DeviceFact;
  provisionDevice: DeviceFact;
  legacyDevicePresent: boolean;
  /** Connecting to the aesmd socket: "ok", or the error code (and message). */
  aesmd: { code: string; message: string };
  qcnl: FileFact;
}

/** The Node modules the gatherer uses, passed in so that the function needs nothing from its scope. */
export interface GathererModules {
  fs: { readFile: typeof readFile; stat: typeof stat; open: typeof open; constants: typeof constants };
  net: { createConnection: typeof createConnection };
}

/**
 * Gathers the facts at `paths`. Self-contained on purpose (it is also sent, as source, to run in a
 * container): no reference to anything outside its parameters, and no inner named functions.
 */
export async function gatherSgxFacts(
  paths: SgxHostPaths,
  modules: GathererModules,
  aesmdTimeoutMs: number,
): Promise<SgxHostFacts> {
  const { fs, net } = modules;
  const failure = (error: unknown) => ({
    ...((error as NodeJS.ErrnoException).code ? { code: (error as NodeJS.ErrnoException).code } : {}),
    message: (error as Error).message,
  });
  const text = (file: string): Promise<FileFact> =>
    fs.readFile(file, "utf8").then((content) => ({ text: content }), failure);
  const device = async (file: string): Promise<DeviceFact> => {
    let info;
    try {
      info = await fs.stat(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === "ENOENT" ? { kind: "missing" } : { kind: "error", message: (error as Error).message };
    }
    if (!info.isCharacterDevice()) return { kind: "other" };
    try {
      const handle = await fs.open(file, fs.constants.O_RDWR);
      await handle.close();
      return { kind: "character", open: "ok" };
    } catch (error) {
      return { kind: "character", open: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
    }
  };
  const aesmd = new Promise<{ code: string; message: string }>((resolve) => {
    const connection = net.createConnection({ path: paths.aesmdSocket });
    const timer = setTimeout(() => {
      connection.destroy();
      resolve({ code: "ETIMEDOUT", message: `no connection within ${aesmdTimeoutMs / 1000} s` });
    }, aesmdTimeoutMs);
    connection.once("connect", () => {
      clearTimeout(timer);
      connection.destroy();
      resolve({ code: "ok", message: "connected" });
    });
    connection.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: error.code ?? "EUNKNOWN", message: error.message });
    });
  });
  const [cpuinfo, kernelRelease, enclaveDevice, provisionDevice, legacy, aesmdFact, qcnl] = await Promise.all(
    [
      text(paths.cpuinfo),
      text(paths.kernelRelease),
      device(paths.enclaveDevice),
      device(paths.provisionDevice),
      fs.stat(paths.legacyDevice).then(
        () => true,
        () => false,
      ),
      aesmd,
      text(paths.qcnlConfig),
    ],
  );
  return {
    cpuinfo,
    kernelRelease,
    enclaveDevice,
    provisionDevice,
    legacyDevicePresent: legacy,
    aesmd: aesmdFact,
    qcnl,
  };
}

export const AESMD_TIMEOUT_MS = 3_000;

/** The facts of this machine (or of the file system under the paths' root). */
export function gatherLocalSgxFacts(paths: SgxHostPaths): Promise<SgxHostFacts> {
  return gatherSgxFacts(
    paths,
    { fs: { readFile, stat, open, constants }, net: { createConnection } },
    AESMD_TIMEOUT_MS,
  );
}

/**
 * A CommonJS program for `node -e` that gathers the facts at the paths given as its first argument
 * (JSON) and prints them as one line of JSON.
 */
export function sgxFactsProgram(): string {
  return [
    "const fs = { ...require('node:fs/promises'), constants: require('node:fs').constants };",
    "const net = require('node:net');",
    `const gather = ${gatherSgxFacts.toString()};`,
    `gather(JSON.parse(process.argv[1]), { fs, net }, ${AESMD_TIMEOUT_MS})`,
    "  .then((facts) => process.stdout.write(JSON.stringify(facts) + '\\n'))",
    "  .catch((error) => { process.stderr.write(String(error && error.message) + '\\n'); process.exit(3); });",
  ].join("\n");
}

// The simulated MRENCLAVE: SHA-256 over a canonical list of everything Gramine's measurement
// binds — the runtime, the Node binary, the app's image dependencies, the app files as shipped
// and the launch arguments — so changing any byte of them changes the measurement.
import { createHash } from "node:crypto";
import { closeSync, openSync, readdirSync, readlinkSync, readSync } from "node:fs";
import { lstat } from "node:fs/promises";
import path from "node:path";

export const MEASUREMENT_FORMAT = "msehome-measurement 1";

/** The launch arguments the measurement binds (exactly those spawn passes and verify knows). */
export interface MeasuredArguments {
  size: string;
  san: string;
  /** Further certificate names, each its own line after `san` (none: the list is as before they existed). */
  extraSans: readonly string[];
  id: string;
  application: string;
  expiration: number;
  /** Whether the app may start subprocesses (Gramine's sys.disallow_subprocesses, in MRENCLAVE on SGX). */
  subprocesses: boolean;
}

export interface MeasurementInputs {
  nodeBinary: string;
  runtimeDir: string;
  /** Optional: absent directories are recorded as absent. */
  dependenciesDir?: string;
  codeDir: string;
  args: MeasuredArguments;
}

/** Files are read in chunks of this size: bounded memory whatever their size (Node alone is ~100 MB). */
const CHUNK_BYTES = 1024 * 1024;

interface TreeEntry {
  path: string;
  line: string;
}

/**
 * SHA-256 of a file, read with synchronous calls into one reused buffer: a measurement reads
 * thousands of small files, and runs on a thread of its own in the container (measurementWorker),
 * where a promise and a thread-pool hop per read would cost more than the hashing.
 */
function sha256File(file: string, buffer: Buffer): string {
  const hash = createHash("sha256");
  const fd = openSync(file, "r");
  try {
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Lists a tree as canonical lines: regular files with their hash, symlinks with their target. */
function treeLines(section: string, root: string, buffer: Buffer): string[] {
  const entries: TreeEntry[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const relative = path.relative(root, full).split(path.sep).join("/");
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.isSymbolicLink()) {
        entries.push({
          path: relative,
          line: `${section}-link ${JSON.stringify(relative)} ${JSON.stringify(readlinkSync(full))}`,
        });
      } else if (entry.isFile()) {
        entries.push({
          path: relative,
          line: `${section} ${JSON.stringify(relative)} ${sha256File(full, buffer)}`,
        });
      } else {
        throw new Error(`${full} is neither a file, a directory nor a symbolic link and cannot be measured`);
      }
    }
  };
  walk(root);
  return entries.sort((a, b) => byBytes(a.path, b.path)).map((entry) => entry.line);
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await lstat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/** The canonical list, one line each, in a fixed order. Exposed so tests and docs can show it. */
export async function measurementList(inputs: MeasurementInputs): Promise<string[]> {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  const lines = [MEASUREMENT_FORMAT, `node ${sha256File(inputs.nodeBinary, buffer)}`];
  lines.push(...treeLines("runtime", inputs.runtimeDir, buffer));
  if (inputs.dependenciesDir !== undefined && (await isDirectory(inputs.dependenciesDir))) {
    lines.push(...treeLines("dependencies", inputs.dependenciesDir, buffer));
  } else {
    lines.push("dependencies none");
  }
  lines.push(...treeLines("code", inputs.codeDir, buffer));
  const { size, san, extraSans, id, application, expiration, subprocesses } = inputs.args;
  lines.push(
    `arg size ${JSON.stringify(size)}`,
    `arg san ${JSON.stringify(san)}`,
    ...extraSans.map((name) => `arg san ${JSON.stringify(name)}`),
    `arg id ${JSON.stringify(id)}`,
    `arg application ${JSON.stringify(application)}`,
    `arg expiration ${expiration}`,
    `arg subprocesses ${subprocesses}`,
  );
  return lines;
}

/** The simulated MRENCLAVE (32 bytes). */
export async function computeMeasurement(inputs: MeasurementInputs): Promise<Uint8Array> {
  const list = await measurementList(inputs);
  return new Uint8Array(
    createHash("sha256")
      .update(list.join("\n") + "\n")
      .digest(),
  );
}

/** The dry-run output, shaped like gramine-sgx-sign's own. */
export function formatMeasurement(mrEnclave: Uint8Array): string {
  return `Measurement:\n    ${Buffer.from(mrEnclave).toString("hex")}\n`;
}

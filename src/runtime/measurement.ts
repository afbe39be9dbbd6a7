// The simulated MRENCLAVE: SHA-256 over a canonical list of everything Gramine's measurement
// binds — the runtime, the Node binary, the app's image dependencies, the app files as shipped
// and the launch arguments — so changing any byte of them changes the measurement.
import { createHash } from "node:crypto";
import { lstat, readFile, readdir, readlink } from "node:fs/promises";
import path from "node:path";
import { digestFile } from "../crypto/streamDigest.js";

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

/** Files up to this size are read whole (cheaper than a stream for the many small runtime files). */
const WHOLE_READ_LIMIT = 1024 * 1024;

interface TreeEntry {
  path: string;
  line: string;
}

/** Hashes one file by streaming it (the Node binary alone is ~100 MB). */
async function sha256File(file: string): Promise<string> {
  return (await digestFile(file)).sha256;
}

function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Lists a tree as canonical lines: regular files with their hash, symlinks with their target. */
async function treeLines(section: string, root: string): Promise<string[]> {
  const files: Array<{ path: string; size: number }> = [];
  const entries: TreeEntry[] = [];
  const walk = async (dir: string): Promise<void> => {
    const names = (await readdir(dir)).sort(byBytes);
    for (const name of names) {
      const full = path.join(dir, name);
      const relative = path.relative(root, full).split(path.sep).join("/");
      const stats = await lstat(full);
      if (stats.isDirectory()) {
        await walk(full);
      } else if (stats.isSymbolicLink()) {
        entries.push({
          path: relative,
          line: `${section}-link ${JSON.stringify(relative)} ${JSON.stringify(await readlink(full))}`,
        });
      } else if (stats.isFile()) {
        files.push({ path: relative, size: stats.size });
      } else {
        throw new Error(`${full} is neither a file, a directory nor a symbolic link and cannot be measured`);
      }
    }
  };
  await walk(root);
  const hashes = await mapLimited(files, 16, async ({ path: relative, size }) => {
    const file = path.join(root, relative);
    if (size > WHOLE_READ_LIMIT) return sha256File(file);
    return createHash("sha256")
      .update(await readFile(file))
      .digest("hex");
  });
  files.forEach(({ path: relative }, index) => {
    entries.push({ path: relative, line: `${section} ${JSON.stringify(relative)} ${hashes[index]}` });
  });
  return entries.sort((a, b) => byBytes(a.path, b.path)).map((entry) => entry.line);
}

async function mapLimited<T, R>(items: T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
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
  const lines = [MEASUREMENT_FORMAT, `node ${await sha256File(inputs.nodeBinary)}`];
  lines.push(...(await treeLines("runtime", inputs.runtimeDir)));
  if (inputs.dependenciesDir !== undefined && (await isDirectory(inputs.dependenciesDir))) {
    lines.push(...(await treeLines("dependencies", inputs.dependenciesDir)));
  } else {
    lines.push("dependencies none");
  }
  lines.push(...(await treeLines("code", inputs.codeDir)));
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

// What Gramine 1.9's Manifest class does (python/graminelibos/manifest.py, gen_jinja_env.py), for the
// stand-ins of its tools: render a Jinja template with Gramine's globals and undefined variables as
// errors, parse the result as TOML (anything else fails), fill the defaults, hash the trusted files
// (directories expanded recursively, sorted), and write the manifest back as TOML.
import { createHash } from "node:crypto";
import { accessSync, constants, readdirSync, readFileSync, statSync, lstatSync } from "node:fs";
import path from "node:path";
import nunjucks from "nunjucks";
import { parse, stringify, TomlError } from "smol-toml";

/** Where a Gramine installation keeps its files (configured at build time in the real tools). */
export interface GramineInstallation {
  /** pkglibdir, e.g. /usr/lib/x86_64-linux-gnu/gramine. */
  pkglibdir: string;
}

export class ManifestError extends Error {
  override name = "ManifestError";
}

/** The template did not render (an undefined variable, a syntax error). */
export class TemplateError extends Error {
  override name = "TemplateError";
}

export type Manifest = Record<string, unknown>;
type Table = Record<string, unknown>;

export function libosPath(installation: GramineInstallation): string {
  return path.join(installation.pkglibdir, "libsysdb.so");
}

export function runtimeDir(installation: GramineInstallation, libc = "glibc"): string {
  return path.join(installation.pkglibdir, "runtime", libc);
}

export function libpalPath(installation: GramineInstallation): string {
  return path.join(installation.pkglibdir, "sgx", "libpal.so");
}

/** Renders the template as gramine-manifest does: Gramine's globals, `-D` defines, strict undefined. */
export function renderTemplate(
  template: string,
  defines: Record<string, string | boolean>,
  installation: GramineInstallation,
): string {
  // `gramine.runtimedir` is callable (`runtimedir()`, `runtimedir(libc='musl')`) and prints as its path.
  const runtimedir = Object.assign((libc?: string) => runtimeDir(installation, libc), {
    toString: () => runtimeDir(installation),
  });
  const environment = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true });
  try {
    return environment.renderString(template, {
      ...defines,
      gramine: {
        libos: libosPath(installation),
        pkglibdir: installation.pkglibdir,
        runtimedir,
      },
      env: { ...process.env },
    });
  } catch (error) {
    throw new TemplateError((error as Error).message.split("\n").at(-1)?.trim() ?? String(error));
  }
}

/** Parses TOML as tomli does; integers stay apart from floats. */
export function parseManifestToml(text: string): Manifest {
  try {
    return parse(text, { integersAsBigInt: true }) as Manifest;
  } catch (error) {
    if (error instanceof TomlError) throw error;
    throw new TomlError((error as Error).message, { toml: text, ptr: 0 });
  }
}

function table(parent: Table, key: string): Table {
  const value = parent[key] ?? (parent[key] = {});
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ManifestError(`'${key}' is not a TOML table`);
  }
  return value as Table;
}

function setDefault(target: Table, key: string, value: unknown): void {
  if (!(key in target)) target[key] = value;
}

function uriToPath(uri: string): string {
  if (!uri.startsWith("file:")) throw new ManifestError(`Unsupported URI type: ${uri}`);
  return uri.slice("file:".length);
}

function sha256Of(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** Gramine's Manifest constructor: the defaults, the trusted file entries as tables, the LibOS hash. */
export function loadManifest(text: string, installation: GramineInstallation): Manifest {
  const manifest = parseManifestToml(text);
  const sgx = table(manifest, "sgx");
  setDefault(sgx, "trusted_files", []);
  setDefault(sgx, "max_threads", 4n);
  setDefault(sgx, "isvprodid", 0n);
  setDefault(sgx, "isvsvn", 0n);
  setDefault(sgx, "remote_attestation", "none");
  setDefault(sgx, "debug", false);
  setDefault(sgx, "enable_stats", false);
  setDefault(sgx, "edmm_enable", false);
  setDefault(sgx, "enclave_size", sgx.edmm_enable ? "1024G" : "256M");
  setDefault(sgx, "use_exinfo", false);
  const cpuFeatures = table(sgx, "cpu_features");
  setDefault(cpuFeatures, "avx", "unspecified");
  setDefault(cpuFeatures, "avx512", "unspecified");
  setDefault(cpuFeatures, "amx", "unspecified");
  setDefault(cpuFeatures, "mpx", "disabled");
  setDefault(cpuFeatures, "pkru", "disabled");
  if (!Array.isArray(sgx.trusted_files)) {
    throw new ManifestError("Unsupported trusted files syntax");
  }
  sgx.trusted_files = sgx.trusted_files.map((entry: unknown) => {
    if (typeof entry === "string") return { uri: entry };
    if (typeof entry === "object" && entry !== null && "uri" in entry) return entry;
    throw new ManifestError(`Unknown trusted file format: ${JSON.stringify(entry)}`);
  });
  const loader = table(manifest, "loader");
  const entrypoint = loader.entrypoint ?? (loader.entrypoint = {});
  if (typeof entrypoint !== "object" || entrypoint === null || Array.isArray(entrypoint)) {
    throw new ManifestError("Unknown loader.entrypoint format (not a TOML table)");
  }
  const loaderEntrypoint = entrypoint as Table;
  setDefault(loaderEntrypoint, "uri", `file:${libosPath(installation)}`);
  if (!("sha256" in loaderEntrypoint)) {
    loaderEntrypoint.sha256 = sha256Of(uriToPath(String(loaderEntrypoint.uri)));
  }
  return manifest;
}

function byCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** One trusted file entry expanded: a directory URI ("/" at the end) to its files, recursively. */
function expandEntry(uri: string, sha256: string | undefined, out: Map<string, string | undefined>): void {
  const file = uriToPath(uri);
  if (uri.endsWith("/")) {
    if (!statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
      throw new ManifestError(`URI '${uri}' ends with "/" but is not a directory`);
    }
    if (sha256 !== undefined) throw new ManifestError(`Directory URI ('${uri}') has sha256 specified`);
    for (const name of readdirSync(file).sort(byCodePoints)) {
      const child = path.join(file, name);
      const info = statSync(child, { throwIfNoEntry: false });
      if (!info || (!info.isFile() && !info.isDirectory())) continue;
      try {
        accessSync(child, constants.R_OK);
      } catch {
        continue;
      }
      if (info.isDirectory()) {
        // Symbolic links to directories are not descended into.
        if (!lstatSync(child).isSymbolicLink()) expandEntry(`file:${child}/`, undefined, out);
      } else {
        add(out, `file:${child}`, undefined);
      }
    }
    return;
  }
  if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ManifestError(`Directory URI ('${uri}') does not end with "/"`);
  }
  add(out, uri, sha256);
}

function add(out: Map<string, string | undefined>, uri: string, sha256: string | undefined): void {
  const known = out.get(uri);
  if (known !== undefined) {
    if (sha256 !== undefined && sha256 !== known) {
      throw new ManifestError(
        `Two different sha256 values (${known} and ${sha256}) for the same URI '${uri}'`,
      );
    }
    return;
  }
  out.set(uri, sha256);
}

/** Thrown (with the path) when a trusted file does not exist, as Python's FileNotFoundError. */
export class MissingTrustedFile extends Error {
  override name = "FileNotFoundError";
  constructor(readonly file: string) {
    super(`[Errno 2] No such file or directory: '${file}'`);
  }
}

/** Manifest.expand_all_trusted_files: every trusted file listed with its SHA-256. */
export function expandTrustedFiles(manifest: Manifest): void {
  const sgx = manifest.sgx as Table;
  const expanded = new Map<string, string | undefined>();
  for (const entry of sgx.trusted_files as Table[]) {
    expandEntry(String(entry.uri), entry.sha256 === undefined ? undefined : String(entry.sha256), expanded);
  }
  sgx.trusted_files = [...expanded].map(([uri, sha256]) => {
    if (sha256 !== undefined) return { uri, sha256 };
    const file = uriToPath(uri);
    if (!statSync(file, { throwIfNoEntry: false })) throw new MissingTrustedFile(file);
    return { uri, sha256: sha256Of(file) };
  });
}

/** The manifest as TOML, as tomli_w writes it (another layout, the same document). */
export function dumpManifest(manifest: Manifest): string {
  return stringify(manifest);
}

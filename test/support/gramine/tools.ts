// Stand-ins for Gramine 1.9's gramine-manifest, gramine-manifest-check and gramine-sgx-sign (test
// support, never shipped): the same options, the same refusals with the same exit codes (click's
// usage errors exit 2, failures 1), the same output. gramine-manifest renders the template, refuses
// anything but a TOML manifest that passes Gramine's schema, and hashes the trusted files;
// gramine-sgx-sign checks the key as SGX needs it, computes MRENCLAVE from the manifest's bytes and
// libpal.so and prints the real tool's report. Its .sig file is a stand-in's (the MRENCLAVE signed with
// the key), not a SIGSTRUCT: nothing in the tests launches an enclave.
import { createPrivateKey, sign, type KeyObject } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { readElf } from "./elf.js";
import {
  dumpManifest,
  expandTrustedFiles,
  type GramineInstallation,
  libpalPath,
  loadManifest,
  ManifestError,
  MissingTrustedFile,
  parseManifestToml,
  renderTemplate,
  TemplateError,
} from "./manifest.js";
import { manifestSchemaProblem } from "./manifestSchema.js";
import { measureEnclave, parseSize } from "./sgxMeasurement.js";

export interface ToolIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const GRAMINE_TOOLS = ["gramine-manifest", "gramine-manifest-check", "gramine-sgx-sign"] as const;
export type GramineTool = (typeof GRAMINE_TOOLS)[number];

const USAGE: Record<GramineTool, string> = {
  "gramine-manifest": "gramine-manifest [OPTIONS] [INFILE] [OUTFILE]",
  "gramine-manifest-check": "gramine-manifest-check [OPTIONS] [FILE]",
  "gramine-sgx-sign": "gramine-sgx-sign [OPTIONS] [PLUGIN_ARGS]...",
};

/** click's usage error: exit code 2. */
class UsageError extends Error {}

/** An uncaught Python exception: its last traceback line, exit code 1. */
class Uncaught extends Error {
  constructor(type: string, message: string) {
    super(`${type}: ${message}`);
  }
}

function parse<T extends NonNullable<ParseArgsConfig["options"]>>(
  tool: GramineTool,
  argv: string[],
  options: T,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    const option = /'(-[^']*)'/.exec((error as Error).message)?.[1] ?? (error as Error).message;
    throw new UsageError(`No such option: ${option} (${tool})`);
  }
}

function readInput(file: string, what: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch {
    throw new UsageError(`Invalid value for '${what}': '${file}': No such file or directory`);
  }
}

function gramineManifest(argv: string[], installation: GramineInstallation, io: ToolIo): number {
  const { values, positionals } = parse("gramine-manifest", argv, {
    string: { type: "string", short: "c" },
    define: { type: "string", short: "D", multiple: true },
    check: { type: "boolean" },
    "no-check": { type: "boolean" },
    chroot: { type: "string" },
  });
  if (values.chroot !== undefined) throw new UsageError("--chroot is not supported by this stand-in");
  if (positionals.length > 2) throw new UsageError(`Got unexpected extra argument (${positionals[2]})`);
  const [infile, outfile = "-"] = positionals;
  if (Boolean(values.string) === Boolean(infile)) throw new UsageError("specify exactly one of (infile, -c)");
  const defines: Record<string, string | boolean> = {};
  for (const define of (values.define as string[] | undefined) ?? []) {
    const at = define.indexOf("=");
    if (at < 0) defines[define] = true;
    else defines[define.slice(0, at)] = define.slice(at + 1);
  }
  const template = infile ? readInput(infile, "[INFILE]") : String(values.string);
  let rendered: string;
  try {
    rendered = renderTemplate(template, defines, installation);
  } catch (error) {
    if (error instanceof TemplateError) throw new Uncaught("jinja2.exceptions.UndefinedError", error.message);
    throw error;
  }
  let manifest;
  try {
    manifest = loadManifest(rendered, installation);
  } catch (error) {
    if (error instanceof ManifestError)
      throw new Uncaught("graminelibos.manifest.ManifestError", error.message);
    io.stderr(`ERROR: failed to parse manifest template: ${(error as Error).message.split("\n")[0]}\n`);
    return 1;
  }
  if (!values["no-check"]) {
    const problem = manifestSchemaProblem(manifest);
    if (problem !== undefined) {
      io.stderr(`ERROR: manifest failed validation: ${problem}\n`);
      return 1;
    }
  }
  expandOrFail(manifest, (file) => {
    throw new Uncaught("FileNotFoundError", `[Errno 2] No such file or directory: '${file}'`);
  });
  const text = dumpManifest(manifest);
  if (outfile === "-") io.stdout(text);
  else writeFileSync(outfile, text);
  return 0;
}

function expandOrFail(manifest: Record<string, unknown>, missing: (file: string) => never): void {
  try {
    expandTrustedFiles(manifest);
  } catch (error) {
    if (error instanceof MissingTrustedFile) missing(error.file);
    if (error instanceof ManifestError)
      throw new Uncaught("graminelibos.manifest.ManifestError", error.message);
    throw error;
  }
}

function gramineManifestCheck(argv: string[], io: ToolIo): number {
  const { positionals } = parse("gramine-manifest-check", argv, {});
  if (positionals.length > 1) throw new UsageError(`Got unexpected extra argument (${positionals[1]})`);
  const text = readInput(positionals[0] ?? "-", "FILE");
  let document;
  try {
    document = parseManifestToml(text);
  } catch (error) {
    throw new UsageError(`error parsing manifest: ${(error as Error).message.split("\n")[0]}`);
  }
  const problem = manifestSchemaProblem(document);
  if (problem === undefined) return 0;
  io.stdout(`error in manifest: ${problem}\n`);
  return 1;
}

/** The key checks of Gramine's `file` signing plugin: RSA, 3072 bits, public exponent 3. */
function signingKey(file: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`Invalid value for '--key' / '-k': '${file}': No such file or directory`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new Uncaught("ValueError", `Could not deserialize key data (${(error as Error).message})`);
  }
  if (key.asymmetricKeyType !== "rsa") {
    const found = key.asymmetricKeyType === "ec" ? "_EllipticCurvePrivateKey" : key.asymmetricKeyType;
    throw new UsageError(`Invalid key: expected RSA private key, found ${found} instance`);
  }
  const { modulusLength, publicExponent } = key.asymmetricKeyDetails ?? {};
  if (modulusLength !== 3072) {
    throw new UsageError(`Invalid RSA key: expected key size 3072, got ${modulusLength}`);
  }
  if (publicExponent !== 3n)
    throw new UsageError(`Invalid RSA key: expected exponent 3, got ${publicExponent}`);
  return key;
}

function gramineSgxSign(argv: string[], installation: GramineInstallation, io: ToolIo): number {
  const { values, positionals } = parse("gramine-sgx-sign", argv, {
    with: { type: "string" },
    output: { type: "string", short: "o" },
    libpal: { type: "string", short: "l" },
    manifest: { type: "string", short: "m" },
    date: { type: "string", short: "d" },
    sigfile: { type: "string", short: "s" },
    depfile: { type: "string" },
    verbose: { type: "boolean", short: "v" },
    quiet: { type: "boolean", short: "q" },
    key: { type: "string", short: "k" },
    passphrase: { type: "string", short: "p" },
    chroot: { type: "string" },
  });
  if (positionals.length > 0) throw new UsageError(`Got unexpected extra argument (${positionals[0]})`);
  if (values.with !== undefined && values.with !== "file") {
    throw new UsageError(`Invalid value for '--with': '${values.with}' is not 'file'.`);
  }
  if (values.chroot !== undefined || values.depfile !== undefined || values.passphrase !== undefined) {
    throw new UsageError("--chroot, --depfile and --passphrase are not supported by this stand-in");
  }
  const libpal = String(values.libpal ?? libpalPath(installation));
  if (!statSync(libpal, { throwIfNoEntry: false })?.isFile()) {
    throw new UsageError(`Invalid value for '--libpal' / '-l': File '${libpal}' does not exist.`);
  }
  if (values.date !== undefined && !/^(today|\d{4}-\d{2}-\d{2})$/i.test(String(values.date))) {
    throw new UsageError(`Invalid value for '--date' / '-d': expecting "today" or YYYY-MM-DD`);
  }
  const defaultKey = path.join(
    process.env.XDG_CONFIG_HOME ?? path.join(homedir(), ".config"),
    "gramine",
    "enclave-key.pem",
  );
  const key = signingKey(String(values.key ?? defaultKey));
  if (values.output === undefined) throw new UsageError("Missing option --output");
  if (values.manifest === undefined) throw new UsageError("Missing option --manifest");
  const manifestFile = String(values.manifest);
  const output = String(values.output);

  const manifest = loadManifest(readInput(manifestFile, "--manifest' / '-m"), installation);
  expandOrFail(manifest, (file) => {
    throw new UsageError(`Missing trusted file: '${file}'`);
  });
  writeFileSync(output, dumpManifest(manifest));
  const sigfile = String(
    values.sigfile ??
      `${manifestFile.endsWith(".manifest") ? manifestFile.slice(0, -".manifest".length) : manifestFile}.sig`,
  );

  // The measurement is of the output file, as written.
  const signed = readFileSync(output);
  const sgx = loadManifest(signed.toString("utf8"), installation).sgx as Record<string, unknown>;
  const { mrEnclave, report } = measureEnclave(
    {
      enclaveSize: parseSize(String(sgx.enclave_size)),
      edmm: sgx.edmm_enable === true,
      maxThreads: Number(sgx.max_threads),
      remoteAttestation: String(sgx.remote_attestation ?? "none"),
    },
    signed,
    readElf(libpal),
  );
  if (!values.quiet) io.stdout(`${report.join("\n")}\n`);
  writeFileSync(sigfile, sign("sha256", mrEnclave, key));
  return 0;
}

/** Runs one tool as its command line would; returns the exit code. */
export function runGramineTool(
  tool: GramineTool,
  argv: string[],
  installation: GramineInstallation,
  io: ToolIo,
): number {
  try {
    if (tool === "gramine-manifest") return gramineManifest(argv, installation, io);
    if (tool === "gramine-manifest-check") return gramineManifestCheck(argv, io);
    return gramineSgxSign(argv, installation, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`Usage: ${USAGE[tool]}\nTry '${tool} --help' for help.\n\nError: ${error.message}\n`);
      return 2;
    }
    const line =
      error instanceof Uncaught ? error.message : `${(error as Error).name}: ${(error as Error).message}`;
    io.stderr(`Traceback (most recent call last):\n  (stand-in of ${tool})\n${line}\n`);
    return 1;
  }
}

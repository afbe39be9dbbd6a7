// The Gramine manifest template that runs the runtime under Node inside an SGX enclave, rendered by
// Gramine's own `gramine-manifest` (which fills `{{ gramine.libos }}` and `{{ gramine.runtimedir() }}`,
// hashes the trusted files and validates the result against Gramine's schema). Everything the
// measurement must bind is here: Node and its libraries, the runtime, the app's image dependencies and
// its code as trusted files, the launch arguments as a fixed argv, the enclave size and whether the
// app may start subprocesses. Storage is an encrypted mount keyed by the MRENCLAVE sealing key; the
// decrypted code and the secret files live in enclave memory (tmpfs).
import { enclaveSizeText, type LaunchArguments } from "../model/launchArguments.js";
import { launchArgv } from "./launchArguments.js";
import type { RuntimeLayout } from "./layout.js";

export interface ManifestOptions {
  args: LaunchArguments;
  layout: RuntimeLayout;
  nodeBinary: string;
  /** Non-glibc libraries Node links against (glibc itself comes from Gramine's runtime). */
  nodeLibraries: string[];
  /** Whether the app image installed dependencies (a trusted directory then). */
  hasDependencies: boolean;
  maxThreads?: number;
}

export const ENCLAVE_ENTRY = "dist/runtime/enclaveMain.js";
export const MANIFEST_NAME = "msehome";

/** The template's only Jinja expressions: where this Gramine installation keeps them. */
export const GRAMINE_LIBOS = "{{ gramine.libos }}";
export const GRAMINE_RUNTIME_DIR = "{{ gramine.runtimedir() }}";

const ARCH_LIBDIR = "/lib/x86_64-linux-gnu";

/**
 * A TOML basic string. Braces are written as \u escapes, so no value (an application path, a host
 * name) can ever open a Jinja expression or statement when gramine-manifest renders the template.
 */
export function templateString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0) as number;
    if (char === '"') out += '\\"';
    else if (char === "\\") out += "\\\\";
    else if (char === "{" || char === "}" || code < 0x20 || code === 0x7f) {
      out += `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`;
    } else out += char;
  }
  return `${out}"`;
}

/** A template string made of literal text and the Jinja placeholders above (kept as they are). */
function withPlaceholders(...parts: string[]): string {
  const placeholders = new Set([GRAMINE_LIBOS, GRAMINE_RUNTIME_DIR]);
  const body = parts.map((part) => (placeholders.has(part) ? part : templateString(part).slice(1, -1)));
  return `"${body.join("")}"`;
}

function list(items: string[]): string {
  return `[\n${items.map((item) => `  ${item},\n`).join("")}]`;
}

function mount(path: string, fields: Record<string, string>): string {
  const rest = Object.entries(fields).map(([key, value]) => `, ${key} = ${value}`);
  return `{ path = ${templateString(path)}${rest.join("")} }`;
}

function fileUri(path: string): string {
  return templateString(`file:${path}`);
}

function directoryUri(path: string): string {
  return templateString(`file:${path.replace(/\/+$/, "")}/`);
}

/** The manifest template, for gramine-manifest. */
export function gramineManifestTemplate(options: ManifestOptions): string {
  const { args, layout, nodeBinary } = options;
  const trustedDirectories = [
    layout.runtimeDir,
    layout.codeDir,
    ...(options.hasDependencies ? [layout.dependenciesDir] : []),
  ];
  const lines = [
    "# The Gramine manifest of msehome's enclave, rendered by gramine-manifest (Gramine 1.9) and",
    "# signed by gramine-sgx-sign: every byte of it is part of MRENCLAVE.",
    "",
    `libos.entrypoint = ${templateString(nodeBinary)}`,
    "",
    `loader.entrypoint.uri = ${withPlaceholders("file:", GRAMINE_LIBOS)}`,
    `loader.log_level = ${templateString(args.debug ? "warning" : "error")}`,
    `loader.argv = ${list(
      ["node", `${layout.runtimeDir}/${ENCLAVE_ENTRY}`, ...launchArgv(args)].map(templateString),
    )}`,
    `loader.env.LD_LIBRARY_PATH = ${templateString(`/lib:${ARCH_LIBDIR}:/usr${ARCH_LIBDIR}`)}`,
    `loader.env.PATH = ${templateString("/usr/local/bin:/usr/bin:/bin")}`,
    `loader.env.HOME = ${templateString("/root")}`,
    `loader.env.NODE_ENV = ${templateString("production")}`,
    "",
    `sys.stack.size = ${templateString("2M")}`,
    "sys.enable_extra_runtime_domain_names_conf = true",
    "# docker stop must reach the runtime so it closes its servers.",
    "sys.enable_sigterm_injection = true",
    "# Each child process would be another enclave of the full size: only when mse.toml asks.",
    `sys.disallow_subprocesses = ${!args.subprocesses}`,
    "",
    `fs.start_dir = ${templateString(layout.appDir)}`,
    `fs.mounts = ${list([
      mount("/lib", { uri: withPlaceholders("file:", GRAMINE_RUNTIME_DIR) }),
      mount(ARCH_LIBDIR, { uri: fileUri(ARCH_LIBDIR) }),
      mount(`/usr${ARCH_LIBDIR}`, { uri: fileUri(`/usr${ARCH_LIBDIR}`) }),
      mount(nodeBinary, { uri: fileUri(nodeBinary) }),
      ...trustedDirectories.map((dir) => mount(dir, { uri: fileUri(dir) })),
      mount(layout.storageDir, {
        type: templateString("encrypted"),
        uri: fileUri(layout.storageDir),
        key_name: templateString("_sgx_mrenclave"),
      }),
      mount(layout.appDir, { type: templateString("tmpfs") }),
      mount(layout.secretsDir, { type: templateString("tmpfs") }),
      mount("/tmp", { type: templateString("tmpfs") }),
    ])}`,
    "",
    `sgx.debug = ${args.debug}`,
    "sgx.edmm_enable = false",
    `sgx.enclave_size = ${templateString(enclaveSizeText(args.sizeMb))}`,
    `sgx.max_threads = ${options.maxThreads ?? 32}`,
    `sgx.remote_attestation = ${templateString("dcap")}`,
    `sgx.trusted_files = ${list([
      fileUri(nodeBinary),
      withPlaceholders("file:", GRAMINE_LIBOS),
      withPlaceholders("file:", GRAMINE_RUNTIME_DIR, "/"),
      ...options.nodeLibraries.map(fileUri),
      ...trustedDirectories.map(directoryUri),
    ])}`,
    "",
  ];
  return lines.join("\n");
}

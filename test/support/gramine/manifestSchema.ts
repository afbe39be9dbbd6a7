// Gramine 1.9's manifest schema (python/graminelibos/manifest_check.py, GramineManifestSchema) as zod,
// for the stand-ins of gramine-manifest and gramine-manifest-check. Facts carried over: which tables
// and keys exist, which are required, their types and allowed values; like voluptuous' Schema, no
// table accepts a key it does not name. The document is parsed with integers as BigInt, so TOML
// integers and floats stay apart as they do in Python; voluptuous checks `int` with isinstance, which
// a Python bool also passes.
import { z } from "zod";

const str = z.string();
const bool = z.boolean();
const int = z.union([z.bigint(), z.boolean()]);
/** Sizes ("2M"), masks and URIs are plain strings in Gramine 1.9's schema. */
const size = str;
const mask = str;
const uri = str;

/** fs.root and fs.mounts[] share these variants; a mount adds a required path. */
const fsVariants = {
  chroot: { type: z.literal("chroot").optional(), uri },
  encrypted: {
    type: z.literal("encrypted"),
    uri,
    key_name: str.optional(),
    enable_recovery: bool.optional(),
  },
  tmpfs: { type: z.literal("tmpfs"), uri: str.optional() },
  untrustedShm: { type: z.literal("untrusted_shm"), uri },
} as const;

const fsRoot = z.union(Object.values(fsVariants).map((shape) => z.strictObject(shape)));
const fsMount = z.union(Object.values(fsVariants).map((shape) => z.strictObject({ ...shape, path: str })));

const cpuFeature = z.enum(["unspecified", "disabled", "required"]);
const secureCpuFeature = z.enum(["disabled", "required"]);

export const gramineManifestSchema = z.strictObject({
  fs: z.strictObject({
    mounts: z.array(fsMount),
    root: fsRoot.optional(),
    start_dir: str.optional(),
    insecure__keys: z.record(str, str).optional(),
  }),
  libos: z.strictObject({
    entrypoint: str,
    check_invalid_pointers: bool.optional(),
  }),
  loader: z.strictObject({
    entrypoint: z.strictObject({ uri, sha256: str.optional() }),
    argv: z.array(str).optional(),
    argv_src_file: str.optional(),
    env: z
      .record(
        str,
        z.union([
          str,
          z.strictObject({ value: str.optional() }),
          z.strictObject({ passthrough: z.literal(true).optional() }),
        ]),
      )
      .optional(),
    env_src_file: str.optional(),
    gid: int.optional(),
    insecure__use_cmdline_argv: bool.optional(),
    insecure__use_host_env: bool.optional(),
    insecure__disable_aslr: bool.optional(),
    log_file: str.optional(),
    log_level: z.enum(["none", "error", "warning", "debug", "trace", "all"]).optional(),
    uid: int.optional(),
  }),
  sgx: z
    .strictObject({
      allowed_files: z.array(str).optional(),
      cpu_features: z
        .strictObject({
          avx: cpuFeature.optional(),
          avx512: cpuFeature.optional(),
          amx: cpuFeature.optional(),
          mpx: secureCpuFeature.optional(),
          pkru: secureCpuFeature.optional(),
        })
        .optional(),
      debug: bool.optional(),
      edmm_enable: bool.optional(),
      enable_stats: bool.optional(),
      enclave_size: size.optional(),
      file_check_policy: z.enum(["strict", "allow_all_but_log"]).optional(),
      insecure__allow_memfaults_without_exinfo: bool.optional(),
      insecure__rpc_thread_num: int.optional(),
      isvprodid: int.optional(),
      isvsvn: int.optional(),
      max_threads: int.optional(),
      preheat_enclave: bool.optional(),
      profile: z
        .strictObject({
          enable: z.enum(["none", "main", "all"]).optional(),
          mode: z.enum(["aex", "ocall_inner", "ocall_outer"]).optional(),
          with_stack: bool.optional(),
          frequency: int.optional(),
        })
        .optional(),
      remote_attestation: z.enum(["none", "dcap"]).optional(),
      seal_key: z
        .strictObject({ flags_mask: mask.optional(), xfrm_mask: mask.optional(), misc_mask: mask.optional() })
        .optional(),
      trusted_files: z
        .array(z.union([str, z.strictObject({ uri: uri.optional(), sha256: str.optional() })]))
        .optional(),
      use_exinfo: bool.optional(),
      vtune_profile: bool.optional(),
    })
    .optional(),
  sys: z
    .strictObject({
      allowed_ioctls: z.array(z.strictObject({ request_code: int, struct: str.optional() })).optional(),
      brk: z.strictObject({ max_size: size.optional() }).optional(),
      disallow_subprocesses: bool.optional(),
      enable_extra_runtime_domain_names_conf: bool.optional(),
      enable_sigterm_injection: bool.optional(),
      experimental__enable_flock: bool.optional(),
      insecure__allow_eventfd: bool.optional(),
      // Left almost unvalidated by Gramine too.
      ioctl_structs: z.record(str, z.unknown()).optional(),
      debug__mock_syscalls: z.array(z.strictObject({ name: str, return: int.optional() })).optional(),
      stack: z.strictObject({ size: size.optional() }).optional(),
      fds: z.strictObject({ limit: int.optional() }).optional(),
    })
    .optional(),
});

/** voluptuous' way of naming a place in the document: `data['fs']['mounts'][0]`. */
function place(path: readonly PropertyKey[]): string {
  return `data${path.map((key) => (typeof key === "number" ? `[${key}]` : `['${String(key)}']`)).join("")}`;
}

function inDictionary(path: readonly PropertyKey[]): string {
  return typeof path.at(-1) === "string" ? " for dictionary value" : "";
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") {
    return `extra keys not allowed @ ${place([...issue.path, issue.keys[0] as string])}`;
  }
  if (issue.code === "invalid_type" && issue.input === undefined) {
    return `required key not provided @ ${place(issue.path)}`;
  }
  // `int` is bigint-or-bool: report the branch voluptuous names.
  if (issue.code === "invalid_union" && issue.errors.every((branch) => branch[0]?.code === "invalid_type")) {
    return describeIssue({ ...(issue.errors[0]?.[0] as z.core.$ZodIssue), path: issue.path });
  }
  if (issue.code === "invalid_type") {
    const expected = {
      string: "str",
      bigint: "int",
      boolean: "bool",
      array: "a list",
      object: "a dictionary",
    };
    const name = expected[issue.expected as keyof typeof expected] ?? issue.expected;
    return `expected ${name}${inDictionary(issue.path)} @ ${place(issue.path)}`;
  }
  return `not a valid value${inDictionary(issue.path)} @ ${place(issue.path)}`;
}

/** Why the manifest does not pass Gramine's schema (voluptuous' wording), or undefined when it does. */
export function manifestSchemaProblem(document: unknown): string | undefined {
  const result = gramineManifestSchema.safeParse(document, { reportInput: true });
  if (result.success) return undefined;
  return describeIssue(result.error.issues[0] as z.core.$ZodIssue);
}

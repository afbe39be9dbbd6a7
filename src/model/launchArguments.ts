// The app container's launch arguments: `msehome-run --size <MB>M --san <host> [--san <name>…]
// --id <uuid> --application <module:export> --expiration <unix> [--subprocesses] [--simulation]
// [--dry-run] [--debug]`. One typed value, one strict parser (one clear sentence per mistake) and its inverse,
// shared by spawn (which writes them), the runtime (which boots from them), the operator (which
// reads them back from the container) and verify (which recomputes MRENCLAVE from them: the
// measurement binds their text, e.g. the size as "4096M").
import { isIP } from "node:net";
import { parseArgs } from "node:util";
import { z } from "zod";
import type { EvidenceMode, SpawnArgs } from "./evidence.js";
import { parseApplicationSpec } from "./mseToml.js";

export interface LaunchArguments {
  /** Enclave size in MB (MiB): a power of two, written "<MB>M". */
  sizeMb: number;
  /** The RA-TLS certificate's name (spawn's --host): its subject CN and first SAN; DNS name or IP. */
  san: string;
  /** Further SANs of the certificate (spawn's --san), in the order given; none for older apps. */
  extraSans: string[];
  /** App id (a UUID): the configuration server only accepts secrets carrying it. */
  appId: string;
  /** `module:export` in the code directory. */
  application: string;
  /** Expiration of the RA-TLS certificate, Unix seconds. */
  expiration: number;
  /** The app may start child processes (mse.toml's allow_subprocesses); measured. */
  subprocesses: boolean;
  simulation: boolean;
  dryRun: boolean;
  debug: boolean;
}

/** A mistake in the launch arguments; an entrypoint reports it as a usage error (exit code 2). */
export class LaunchArgumentError extends Error {
  override name = "LaunchArgumentError";
  readonly exitCode = 2;
}

const DNS_NAME =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const uuidSchema = z.uuid();

/** The enclave size as the arguments (and so the measurement and Gramine's manifest) write it. */
export function enclaveSizeText(sizeMb: number): string {
  return `${sizeMb}M`;
}

/** Whether a certificate name is a DNS name or an IP address (v4 or v6). */
export function isCertificateName(name: string): boolean {
  return isIP(name) !== 0 || DNS_NAME.test(name);
}

/**
 * What is wrong with a certificate's list of names, or undefined: each must be a DNS name or an IP,
 * and each appears once (DNS names compared case-insensitively), so the measured text is canonical.
 */
export function certificateNamesProblem(names: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const name of names) {
    if (!isCertificateName(name)) return `must be a DNS name or an IP address, got "${name}"`;
    const key = name.toLowerCase();
    if (seen.has(key)) return `names "${name}" twice`;
    seen.add(key);
  }
  return undefined;
}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== "string" || value.length === 0) throw new LaunchArgumentError(`--${name} is required`);
  return value;
}

/** Reads the argument vector strictly: every flag once, nothing unknown, every value checked. */
export function parseLaunchArguments(argv: readonly string[]): LaunchArguments {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        size: { type: "string" },
        san: { type: "string", multiple: true },
        id: { type: "string" },
        application: { type: "string" },
        expiration: { type: "string" },
        subprocesses: { type: "boolean", default: false },
        simulation: { type: "boolean", default: false },
        "dry-run": { type: "boolean", default: false },
        debug: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    throw new LaunchArgumentError(error instanceof Error ? error.message : String(error));
  }

  // Only the canonical spelling, so the size's text (which the measurement binds) is enclaveSizeText's.
  const size = required(values, "size");
  const sizeMatch = /^([1-9][0-9]{0,6})M$/.exec(size);
  const sizeMb = sizeMatch ? Number(sizeMatch[1]) : 0;
  if (!sizeMatch || (sizeMb & (sizeMb - 1)) !== 0) {
    throw new LaunchArgumentError(
      `--size must be a power of two in MiB followed by "M" (e.g. 4096M), got "${size}"`,
    );
  }

  const sans = (values.san as string[] | undefined) ?? [];
  if (sans.length === 0) throw new LaunchArgumentError("--san is required");
  const problem = certificateNamesProblem(sans);
  if (problem) throw new LaunchArgumentError(`--san ${problem}`);
  const [san, ...extraSans] = sans as [string, ...string[]];

  const appId = required(values, "id");
  if (!uuidSchema.safeParse(appId).success)
    throw new LaunchArgumentError(`--id must be a UUID, got "${appId}"`);

  const application = required(values, "application");
  try {
    parseApplicationSpec(application);
  } catch (error) {
    throw new LaunchArgumentError(`--application: ${(error as Error).message}`);
  }

  const expirationText = required(values, "expiration");
  if (!/^[1-9][0-9]{0,11}$/.test(expirationText)) {
    throw new LaunchArgumentError(`--expiration must be a unix time in seconds, got "${expirationText}"`);
  }

  return {
    sizeMb,
    san,
    extraSans,
    appId,
    application,
    expiration: Number(expirationText),
    subprocesses: values.subprocesses === true,
    simulation: values.simulation === true,
    dryRun: values["dry-run"] === true,
    debug: values.debug === true,
  };
}

/** The argument vector of these arguments (the inverse of parseLaunchArguments), flags in a fixed order. */
export function formatLaunchArguments(args: LaunchArguments): string[] {
  const argv = [
    "--size",
    enclaveSizeText(args.sizeMb),
    ...[args.san, ...args.extraSans].flatMap((name) => ["--san", name]),
    "--id",
    args.appId,
    "--application",
    args.application,
    "--expiration",
    String(args.expiration),
  ];
  if (args.subprocesses) argv.push("--subprocesses");
  if (args.simulation) argv.push("--simulation");
  if (args.dryRun) argv.push("--dry-run");
  if (args.debug) argv.push("--debug");
  return argv;
}

/** The spawn arguments evidence records for an enclave launched with these arguments. */
export function spawnArgsOf(args: LaunchArguments): SpawnArgs {
  return {
    host: args.san,
    sans: [...args.extraSans],
    expirationDate: args.expiration,
    size: args.sizeMb,
    appId: args.appId,
    application: args.application,
  };
}

/**
 * The launch arguments of an enclave, rebuilt from the spawn arguments its evidence records and from
 * what the app's mse.toml asks (evidence does not record it: the provider's own mse.toml decides).
 */
export function launchArgumentsFromSpawnArgs(
  spawnArgs: SpawnArgs,
  mode: EvidenceMode,
  app: { subprocesses: boolean },
): LaunchArguments {
  return {
    sizeMb: spawnArgs.size,
    san: spawnArgs.host,
    extraSans: [...spawnArgs.sans],
    appId: spawnArgs.appId,
    application: spawnArgs.application,
    expiration: spawnArgs.expirationDate,
    subprocesses: app.subprocesses,
    simulation: mode === "simulation",
    dryRun: false,
    debug: false,
  };
}

// The app container's launch arguments (`msehome-run --size <MB>M --san <host> --id <uuid>
// --application <mod:export> --expiration <unix> [--dry-run] [--simulation] [--debug]`), parsed
// into typed values with one clear sentence per mistake.
import { isIP } from "node:net";
import { parseArgs } from "node:util";
import { z } from "zod";
import { parseApplicationSpec, type ApplicationSpec } from "../model/mseToml.js";
import type { MeasuredArguments } from "./measurement.js";

export interface LaunchArguments {
  /** Enclave size as given, e.g. "4096M" (a power of two, in MiB). */
  size: string;
  san: string;
  id: string;
  application: string;
  applicationSpec: ApplicationSpec;
  /** Certificate expiry, unix seconds. */
  expiration: number;
  dryRun: boolean;
  simulation: boolean;
  debug: boolean;
}

/** A mistake in the arguments: the entrypoint prints it and exits 2. */
export class LaunchArgumentError extends Error {
  override name = "LaunchArgumentError";
  readonly exitCode = 2;
}

export const RUN_USAGE =
  "usage: msehome-run --size <MB>M --san <host> --id <uuid> --application <module:export> " +
  "--expiration <unix seconds> [--dry-run] [--simulation] [--debug]";

const DNS_NAME =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const uuidSchema = z.uuid();

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== "string" || value.length === 0) throw new LaunchArgumentError(`--${name} is required`);
  return value;
}

export function parseLaunchArguments(argv: string[]): LaunchArguments {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        size: { type: "string" },
        san: { type: "string" },
        id: { type: "string" },
        application: { type: "string" },
        expiration: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        simulation: { type: "boolean", default: false },
        debug: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    throw new LaunchArgumentError(error instanceof Error ? error.message : String(error));
  }

  const size = required(values, "size");
  const sizeMatch = /^([1-9][0-9]{0,6})M$/.exec(size);
  const megabytes = sizeMatch ? Number(sizeMatch[1]) : 0;
  if (!sizeMatch || (megabytes & (megabytes - 1)) !== 0) {
    throw new LaunchArgumentError(
      `--size must be a power of two in MiB followed by "M" (e.g. 4096M), got "${size}"`,
    );
  }

  const san = required(values, "san");
  if (isIP(san) === 0 && !DNS_NAME.test(san)) {
    throw new LaunchArgumentError(`--san must be a DNS name or an IP address, got "${san}"`);
  }

  const id = required(values, "id");
  if (!uuidSchema.safeParse(id).success) throw new LaunchArgumentError(`--id must be a UUID, got "${id}"`);

  const application = required(values, "application");
  let applicationSpec: ApplicationSpec;
  try {
    applicationSpec = parseApplicationSpec(application);
  } catch (error) {
    throw new LaunchArgumentError(`--application: ${(error as Error).message}`);
  }

  const expirationText = required(values, "expiration");
  if (!/^[1-9][0-9]{0,11}$/.test(expirationText)) {
    throw new LaunchArgumentError(`--expiration must be a unix time in seconds, got "${expirationText}"`);
  }

  return {
    size,
    san,
    id,
    application,
    applicationSpec,
    expiration: Number(expirationText),
    dryRun: values["dry-run"] === true,
    simulation: values.simulation === true,
    debug: values.debug === true,
  };
}

/** The arguments the measurement binds. */
export function measuredArguments(args: LaunchArguments): MeasuredArguments {
  return {
    size: args.size,
    san: args.san,
    id: args.id,
    application: args.application,
    expiration: args.expiration,
  };
}

/** The argument vector that reproduces these arguments (for the enclave's fixed argv). */
export function launchArgv(args: LaunchArguments): string[] {
  const argv = ["--size", args.size, "--san", args.san, "--id", args.id];
  argv.push("--application", args.application, "--expiration", String(args.expiration));
  if (args.simulation) argv.push("--simulation");
  if (args.debug) argv.push("--debug");
  return argv;
}

// The app container's entrypoint arguments (`msehome-run --size 4096M --san ... --id ...`), built and read back.
import { parseArgs } from "node:util";

/** What the enclave is launched with; `verify` recomputes MRENCLAVE from exactly these. */
export interface AppLaunchArguments {
  /** Enclave size in MB. */
  sizeMb: number;
  /** Subject alternative name of the RA-TLS certificate: DNS name or IP. */
  san: string;
  /** App id (a UUID): the configuration server only accepts secrets carrying it. */
  appId: string;
  /** `module:export` in the code directory. */
  application: string;
  /** Expiration of the RA-TLS certificate, Unix seconds. */
  expiration: number;
  simulation: boolean;
  dryRun: boolean;
  debug: boolean;
}

/** The launch arguments could not be read from a container's command. */
export class AppArgumentsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AppArgumentsError";
  }
}

/** The argument vector DESIGN §4 gives the image's `msehome-run` entrypoint. */
export function entrypointArguments(launch: AppLaunchArguments): string[] {
  const args = [
    "--size",
    `${launch.sizeMb}M`,
    "--san",
    launch.san,
    "--id",
    launch.appId,
    "--application",
    launch.application,
    "--expiration",
    String(launch.expiration),
  ];
  if (launch.simulation) args.push("--simulation");
  if (launch.dryRun) args.push("--dry-run");
  if (launch.debug) args.push("--debug");
  return args;
}

/** Reads launch arguments back from a container's command (the inverse of `entrypointArguments`). */
export function parseEntrypointArguments(argv: readonly string[]): AppLaunchArguments {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        size: { type: "string" },
        san: { type: "string" },
        id: { type: "string" },
        application: { type: "string" },
        expiration: { type: "string" },
        simulation: { type: "boolean", default: false },
        "dry-run": { type: "boolean", default: false },
        debug: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    throw new AppArgumentsError(`the container's command is not msehome-run's: ${(error as Error).message}`);
  }
  const required = (name: "size" | "san" | "id" | "application" | "expiration"): string => {
    const value = values[name];
    if (typeof value !== "string" || value === "") {
      throw new AppArgumentsError(`the container's command lacks --${name}`);
    }
    return value;
  };
  const size = /^([1-9][0-9]*)M$/.exec(required("size"));
  if (!size) throw new AppArgumentsError(`the container's --size "${values.size}" is not <MB>M`);
  const expiration = required("expiration");
  if (!/^[0-9]+$/.test(expiration)) {
    throw new AppArgumentsError(`the container's --expiration "${expiration}" is not a Unix time`);
  }
  return {
    sizeMb: Number(size[1]),
    san: required("san"),
    appId: required("id"),
    application: required("application"),
    expiration: Number(expiration),
    simulation: values.simulation === true,
    dryRun: values["dry-run"] === true,
    debug: values.debug === true,
  };
}

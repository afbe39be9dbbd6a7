// What the runtime adds to the launch arguments (model/launchArguments): msehome-run's usage text,
// the arguments the simulated measurement binds, and the enclave's fixed argv.
import { enclaveSizeText, formatLaunchArguments, type LaunchArguments } from "../model/launchArguments.js";
import type { MeasuredArguments } from "./measurement.js";

export const RUN_USAGE =
  "usage: msehome-run --size <MB>M --san <host> [--san <name>]... --id <uuid> --application <module:export> " +
  "--expiration <unix seconds> [--subprocesses] [--dry-run] [--simulation] [--debug]";

/** The arguments the measurement binds. */
export function measuredArguments(args: LaunchArguments): MeasuredArguments {
  return {
    size: enclaveSizeText(args.sizeMb),
    san: args.san,
    extraSans: args.extraSans,
    id: args.appId,
    application: args.application,
    expiration: args.expiration,
    subprocesses: args.subprocesses,
  };
}

/** The argument vector that reproduces these arguments in the enclave (Gramine's fixed, measured argv): no --dry-run. */
export function launchArgv(args: LaunchArguments): string[] {
  return formatLaunchArguments({ ...args, dryRun: false });
}

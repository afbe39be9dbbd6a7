// Flags shared by the commands that build the app's image from its project (package, test-dev):
// --project or the four inputs one by one, the base image and the build arguments.
import { type Command, InvalidArgumentError } from "commander";

export interface ProjectFlags {
  project?: string;
  code?: string;
  config?: string;
  dockerfile?: string;
  test?: string;
  baseImage?: string;
  simulation?: boolean;
  buildArg?: Record<string, string>;
}

function collectBuildArg(
  value: string,
  previous: Record<string, string> | undefined,
): Record<string, string> {
  const separator = value.indexOf("=");
  if (separator <= 0) throw new InvalidArgumentError(`expected KEY=VALUE, got "${value}"`);
  return { ...previous, [value.slice(0, separator)]: value.slice(separator + 1) };
}

/** --project, or --code, --config, --dockerfile and --test. */
export function addProjectOptions(command: Command): Command {
  return command
    .option(
      "--project <dir>",
      "a scaffolded project (mse_src/, tests/, mse.toml, Dockerfile); or give the four below",
    )
    .option("--code <dir>", "the app's code directory (files matching its .mseignore are left out)")
    .option("--config <file>", "the app's mse.toml")
    .option("--dockerfile <file>", "the Dockerfile of the app's image (its directory is the build context)")
    .option("--test <dir>", "the directory holding the app's tests");
}

/** --base-image, --simulation and --build-arg (repeatable). */
export function addImageBuildOptions(command: Command): Command {
  return command
    .option(
      "--base-image <image>",
      "base image for the Dockerfile's FROM ${MSEHOME_BASE} (default: the Dockerfile's, the SGX base image msehome/base:<version>)",
    )
    .option(
      "--simulation",
      "build on the simulation-only base image msehome/base:<version>-simulation (scripts/build-base-image.sh); its apps run only on a simulated SGX platform",
    )
    .option("--build-arg <key=value>", "a build argument for the image build (repeatable)", collectBuildArg);
}

/** The project's inputs and build settings as the provider's use cases take them. */
export function projectInputsOf(flags: ProjectFlags) {
  return {
    project: flags.project,
    code: flags.code,
    config: flags.config,
    dockerfile: flags.dockerfile,
    test: flags.test,
    baseImage: flags.baseImage,
    simulation: flags.simulation === true,
    buildArgs: flags.buildArg ?? {},
  };
}

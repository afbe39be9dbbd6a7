// The app's Docker image, built from its Dockerfile (the Dockerfile's directory is the build
// context) as `<repository>:latest`, which keeps Docker's build cache warm between `test-dev` and
// `package`; a failure at FROM says how to get the base image it names.
import path from "node:path";
import type { DockerEngine } from "../docker/engine.js";
import { type BuildStep, ImageBuildError } from "../docker/errors.js";
import { type BuiltImage, buildImage } from "../docker/imageBuild.js";
import { SGX_BASE_IMAGE, SIMULATION_BASE_IMAGE } from "../model/baseImage.js";
import { BASE_IMAGE_BUILD_ARG, type ProjectInputs } from "./projectInputs.js";

/** What a front end shows while the image builds. */
export interface ImageBuildReporter {
  phase?(message: string): void;
  buildStep?(step: BuildStep): void;
  /** Raw build log lines (the CLI prints them with --verbose). */
  buildLog?(line: string): void;
}

export async function buildAppImage(
  engine: DockerEngine,
  options: {
    inputs: Pick<ProjectInputs, "dockerfile">;
    repository: string;
    buildArgs: Record<string, string>;
    reporter?: ImageBuildReporter;
    signal?: AbortSignal;
  },
): Promise<BuiltImage> {
  const report = options.reporter ?? {};
  const { dockerfile } = options.inputs;
  report.phase?.(`Building the image from ${dockerfile}`);
  return buildImage(engine, {
    contextDir: path.dirname(dockerfile),
    dockerfile,
    tag: `${options.repository}:latest`,
    buildArgs: options.buildArgs,
    onStep: (step) => {
      report.phase?.(`Building the image: step ${step.index}/${step.total} ${step.instruction}`);
      report.buildStep?.(step);
    },
    onLog: (line) => report.buildLog?.(line),
    ...(options.signal ? { signal: options.signal } : {}),
  }).catch((error: unknown) => {
    if (error instanceof ImageBuildError && error.step?.instruction.toUpperCase().startsWith("FROM")) {
      throw new ImageBuildError(
        `${error.reason} (${baseImageHint(options.buildArgs[BASE_IMAGE_BUILD_ARG])})`,
        error.step,
        error.logTail,
      );
    }
    throw error;
  });
}

/** What to do when the build cannot start FROM its base image. */
export function baseImageHint(chosen: string | undefined): string {
  if (chosen === undefined || chosen === SGX_BASE_IMAGE) {
    return `is the base image built? The scaffolded Dockerfile starts FROM the SGX base image ${SGX_BASE_IMAGE}: build it with scripts/build-base-image.sh --sgx, or add --simulation to build on the simulation-only base image (scripts/build-base-image.sh), whose apps run only on a simulated platform, or name another with --base-image`;
  }
  if (chosen === SIMULATION_BASE_IMAGE) {
    return `is the simulation base image built? Build ${SIMULATION_BASE_IMAGE} offline with scripts/build-base-image.sh`;
  }
  return `is the base image ${chosen} on the Docker engine? Build or pull it, or name another with --base-image`;
}

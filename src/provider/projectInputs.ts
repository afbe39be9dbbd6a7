// The four inputs of an app (code, mse.toml, Dockerfile, tests), from `--project DIR` or given one by
// one, and the image build arguments: shared by `package` and `test-dev`.
import { stat } from "node:fs/promises";
import path from "node:path";
import { SIMULATION_BASE_IMAGE } from "../model/baseImage.js";

/** Where `--project DIR` finds each input (the layout `msehome scaffold` writes). */
export const PROJECT_LAYOUT = {
  code: "mse_src",
  config: "mse.toml",
  dockerfile: "Dockerfile",
  tests: "tests",
} as const;

/** The Dockerfile build argument naming the msehome base image. */
export const BASE_IMAGE_BUILD_ARG = "MSEHOME_BASE";

/** How the user named the inputs: a project, or all four explicitly. */
export interface ProjectInputOptions {
  /** A scaffolded project directory; exclusive with the four explicit inputs. */
  project?: string;
  code?: string;
  config?: string;
  dockerfile?: string;
  test?: string;
}

/** How the app's image is built besides its Dockerfile. */
export interface ImageBuildOptions {
  /** Base image for the Dockerfile's `FROM ${MSEHOME_BASE}`. */
  baseImage?: string;
  /** Build on the simulation-only base image: the app then runs only on a simulated platform. */
  simulation?: boolean;
  /** Further `--build-arg` values for the image build. */
  buildArgs?: Record<string, string>;
}

/** Absolute paths of the app's inputs. */
export interface ProjectInputs {
  code: string;
  config: string;
  dockerfile: string;
  tests: string;
}

/** The inputs do not describe an app; exit code 2 like any usage error. */
export class ProjectInputError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "ProjectInputError";
  }
}

/** Resolves the inputs without touching the file system; ProjectInputError when they are ill-formed. */
export function resolveProjectInputs(options: ProjectInputOptions): ProjectInputs {
  const explicit = {
    code: options.code,
    config: options.config,
    dockerfile: options.dockerfile,
    test: options.test,
  };
  const given = Object.entries(explicit).filter(([, value]) => value !== undefined);
  if (options.project !== undefined) {
    if (given.length > 0) {
      throw new ProjectInputError(
        `--project cannot be combined with ${given.map(([flag]) => `--${flag}`).join(", ")}; give either --project DIR or all of --code, --config, --dockerfile and --test`,
      );
    }
    const project = path.resolve(options.project);
    return {
      code: path.join(project, PROJECT_LAYOUT.code),
      config: path.join(project, PROJECT_LAYOUT.config),
      dockerfile: path.join(project, PROJECT_LAYOUT.dockerfile),
      tests: path.join(project, PROJECT_LAYOUT.tests),
    };
  }
  const missing = Object.entries(explicit).filter(([, value]) => value === undefined);
  if (missing.length > 0) {
    throw new ProjectInputError(
      `give either --project DIR or all of --code, --config, --dockerfile and --test (missing: ${missing.map(([flag]) => `--${flag}`).join(", ")})`,
    );
  }
  return {
    code: path.resolve(options.code!),
    config: path.resolve(options.config!),
    dockerfile: path.resolve(options.dockerfile!),
    tests: path.resolve(options.test!),
  };
}

/** Fails with one sentence unless `file` exists and is of the given kind. */
export async function requireKind(file: string, kind: "directory" | "file", what: string): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (!info) throw new Error(`the ${what} ${file} does not exist`);
  if (kind === "directory" && !info.isDirectory()) throw new Error(`the ${what} ${file} is not a directory`);
  if (kind === "file" && !info.isFile()) throw new Error(`the ${what} ${file} is not a file`);
}

/** Checks that every input exists and is a directory or file as expected. */
export async function checkProjectInputs(inputs: ProjectInputs): Promise<void> {
  await requireKind(inputs.code, "directory", "code directory");
  await requireKind(inputs.config, "file", "configuration file");
  await requireKind(inputs.dockerfile, "file", "Dockerfile");
  await requireKind(inputs.tests, "directory", "tests directory");
}

/**
 * The image build arguments: `--build-arg` values plus the base image, from `--base-image` or, with
 * `--simulation`, the simulation-only one (otherwise the Dockerfile's default: the SGX base image).
 */
export function imageBuildArgs(options: ImageBuildOptions): Record<string, string> {
  const args = { ...options.buildArgs };
  const baseImage = options.simulation ? SIMULATION_BASE_IMAGE : options.baseImage;
  if (options.simulation && options.baseImage !== undefined) {
    throw new ProjectInputError(
      `--simulation builds on ${SIMULATION_BASE_IMAGE} and --base-image names another base image; give one`,
    );
  }
  if (baseImage !== undefined) {
    if (BASE_IMAGE_BUILD_ARG in args) {
      throw new ProjectInputError(
        `${options.simulation ? "--simulation" : "--base-image"} and --build-arg ${BASE_IMAGE_BUILD_ARG}=... both set the base image; give one`,
      );
    }
    args[BASE_IMAGE_BUILD_ARG] = baseImage;
  }
  return args;
}

/** A Docker repository name for an app name (lower case, single separators). */
export function imageRepositoryFor(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `msehome-package/${cleaned || "app"}`;
}

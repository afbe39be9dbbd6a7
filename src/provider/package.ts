// `msehome package`: code, tests, mse.toml and the built image become package_<name>_<ns>.tar (+ .key with --encrypt).
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomically } from "../crypto/atomicOutput.js";
import { encryptFileTo, ENCRYPTED_SUFFIX } from "../crypto/codeEncryption.js";
import { generateSecretBoxKey } from "../crypto/secretBox.js";
import { connectDocker, type DockerEngine } from "../docker/engine.js";
import { type BuildStep, ImageBuildError } from "../docker/errors.js";
import { buildImage } from "../docker/imageBuild.js";
import { removeImage, tagImage } from "../docker/images.js";
import { saveImage } from "../docker/imageTransfer.js";
import { readMseToml } from "../model/mseToml.js";
import {
  type MemberDigest,
  type PackageMember,
  packageFileName,
  packageKeyFileName,
} from "../package/packageManifest.js";
import { writePackage } from "../package/packageWriter.js";
import { tarDirectory } from "../package/tarWriter.js";

/** Where `--project DIR` finds each input (the layout `msehome scaffold` writes). */
export const PROJECT_LAYOUT = {
  code: "mse_src",
  config: "mse.toml",
  dockerfile: "Dockerfile",
  tests: "tests",
} as const;

/** The Dockerfile build argument naming the msehome base image. */
export const BASE_IMAGE_BUILD_ARG = "MSEHOME_BASE";

export interface PackageOptions {
  /** A scaffolded project directory; exclusive with the four explicit inputs. */
  project?: string;
  code?: string;
  config?: string;
  dockerfile?: string;
  test?: string;
  /** Directory receiving the package (created when missing). */
  output: string;
  /** Encrypt every code file and write the key beside the package. */
  encrypt?: boolean;
  /** Base image for the Dockerfile's `FROM ${MSEHOME_BASE}`. */
  baseImage?: string;
  /** Further `--build-arg` values for the image build. */
  buildArgs?: Record<string, string>;
  reporter?: PackageReporter;
  /** The engine to build with (default: the one DOCKER_HOST names). */
  engine?: DockerEngine;
}

/** What a front end shows while packaging. */
export interface PackageReporter {
  phase?(message: string): void;
  buildStep?(step: BuildStep): void;
  /** Raw build log lines (the CLI prints them with --verbose). */
  buildLog?(line: string): void;
}

export interface PackageResult {
  name: string;
  package: { path: string; sizeBytes: number; sha256: string };
  /** The code key file (hex), only with --encrypt. */
  key: string | null;
  encrypted: boolean;
  image: { id: string; tag: string; sizeBytes: number };
  members: Record<PackageMember, MemberDigest>;
}

/** The inputs do not describe a package; exit code 2 like any usage error. */
export class PackageInputError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "PackageInputError";
  }
}

interface Inputs {
  code: string;
  config: string;
  dockerfile: string;
  tests: string;
}

function resolveInputs(options: PackageOptions): Inputs {
  const explicit = {
    code: options.code,
    config: options.config,
    dockerfile: options.dockerfile,
    test: options.test,
  };
  const given = Object.entries(explicit).filter(([, value]) => value !== undefined);
  if (options.project !== undefined) {
    if (given.length > 0) {
      throw new PackageInputError(
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
    throw new PackageInputError(
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

async function requireKind(file: string, kind: "directory" | "file", what: string): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (!info) throw new Error(`the ${what} ${file} does not exist`);
  if (kind === "directory" && !info.isDirectory()) throw new Error(`the ${what} ${file} is not a directory`);
  if (kind === "file" && !info.isFile()) throw new Error(`the ${what} ${file} is not a file`);
}

/** Unix time in nanoseconds (milliseconds from the clock, the rest from the monotonic timer). */
function unixNanoseconds(): bigint {
  return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}

/** A Docker repository name for an app name (lower case, single separators). */
export function imageRepositoryFor(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `msehome-package/${cleaned || "app"}`;
}

function buildArgsOf(options: PackageOptions): Record<string, string> {
  const args = { ...options.buildArgs };
  if (options.baseImage !== undefined) {
    if (BASE_IMAGE_BUILD_ARG in args) {
      throw new PackageInputError(
        `--base-image and --build-arg ${BASE_IMAGE_BUILD_ARG}=... both set the base image; give one`,
      );
    }
    args[BASE_IMAGE_BUILD_ARG] = options.baseImage;
  }
  return args;
}

export async function packageApp(options: PackageOptions): Promise<PackageResult> {
  const report = options.reporter ?? {};
  const inputs = resolveInputs(options);
  const buildArgs = buildArgsOf(options);
  await requireKind(inputs.code, "directory", "code directory");
  await requireKind(inputs.config, "file", "configuration file");
  await requireKind(inputs.dockerfile, "file", "Dockerfile");
  await requireKind(inputs.tests, "directory", "tests directory");
  const config = await readMseToml(inputs.config);
  const name = config.name;

  const engine = options.engine ?? (await connectDocker());
  const output = path.resolve(options.output);
  const createdOutput = await mkdir(output, { recursive: true }).catch((cause: unknown) => {
    throw new Error(`cannot create the output directory ${output}`, { cause });
  });
  await requireKind(output, "directory", "output directory");

  const ns = unixNanoseconds();
  const packagePath = path.join(output, packageFileName(name, ns));
  const keyPath = options.encrypt ? path.join(output, packageKeyFileName(name, ns)) : null;
  // Working files live beside the output so the final rename stays on one file system.
  const work = await mkdtemp(path.join(output, `.package_${name}_${ns}-`));
  const repository = imageRepositoryFor(name);
  const uniqueTag = `${repository}:${ns}`;
  let tagged = false;
  let succeeded = false;
  try {
    const files: Record<PackageMember, string> = {
      "app.tar": path.join(work, "app.tar"),
      "image.tar": path.join(work, "image.tar"),
      "tests.tar": path.join(work, "tests.tar"),
      "mse.toml": inputs.config,
    };

    const key = options.encrypt ? generateSecretBoxKey() : undefined;
    report.phase?.(key ? "Packing and encrypting the code (app.tar)" : "Packing the code (app.tar)");
    if (key) {
      const encrypted = await mkdtemp(path.join(work, "encrypted-"));
      let counter = 0;
      await tarDirectory(inputs.code, files["app.tar"], {
        // One file is encrypted at a time into a working file, which the tar then streams.
        transform: async (file) => {
          const sealed = path.join(encrypted, String(counter++));
          await encryptFileTo(file.absolutePath, sealed, key);
          return { path: `${file.path}${ENCRYPTED_SUFFIX}`, mode: file.mode, file: sealed };
        },
      });
    } else {
      await tarDirectory(inputs.code, files["app.tar"]);
    }

    report.phase?.("Packing the tests (tests.tar)");
    await tarDirectory(inputs.tests, files["tests.tar"]);

    report.phase?.(`Building the image from ${inputs.dockerfile}`);
    const built = await buildImage(engine, {
      contextDir: path.dirname(inputs.dockerfile),
      dockerfile: inputs.dockerfile,
      tag: `${repository}:latest`,
      buildArgs,
      onStep: (step) => {
        report.phase?.(`Building the image: step ${step.index}/${step.total} ${step.instruction}`);
        report.buildStep?.(step);
      },
      onLog: (line) => report.buildLog?.(line),
    }).catch((error: unknown) => {
      if (error instanceof ImageBuildError && error.step?.instruction.toUpperCase().startsWith("FROM")) {
        throw new ImageBuildError(
          `${error.reason} (is the base image built? Build it with scripts/build-base-image.sh or name one with --base-image)`,
          error.step,
          error.logTail,
        );
      }
      throw error;
    });

    // The package carries the image under a tag of its own; the `latest` tag keeps the build cache warm.
    await tagImage(engine, built.id, uniqueTag);
    tagged = true;
    report.phase?.("Saving the image (image.tar)");
    const saved = await saveImage(engine, uniqueTag, files["image.tar"]);

    report.phase?.(`Writing ${path.basename(packagePath)}`);
    const written = await writePackage(packagePath, {
      name,
      encrypted: key !== undefined,
      imageId: built.id,
      files,
      digests: { "image.tar": { sha256: saved.sha256, sizeBytes: saved.sizeBytes } },
    });
    if (key && keyPath) {
      try {
        await writeFileAtomically(
          keyPath,
          new TextEncoder().encode(`${Buffer.from(key).toString("hex")}\n`),
          0o600,
        );
      } catch (error) {
        await rm(packagePath, { force: true });
        throw new Error(`cannot write the code key ${keyPath}`, { cause: error });
      }
    }
    succeeded = true;
    return {
      name,
      package: { path: written.path, sizeBytes: written.sizeBytes, sha256: written.sha256 },
      key: keyPath,
      encrypted: key !== undefined,
      image: { id: built.id, tag: uniqueTag, sizeBytes: saved.sizeBytes },
      members: written.manifest.members,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
    // A directory this run created for its output goes again when nothing came of the run.
    if (!succeeded && createdOutput) await rm(createdOutput, { recursive: true, force: true });
    if (tagged) await removeImage(engine, uniqueTag, { ignoreMissing: true }).catch(() => undefined);
  }
}

// `msehome package`: code, tests, mse.toml and the built image become package_<name>_<ns>.tar (+ .key with --encrypt).
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import {
  explainNoSpace,
  removeStaleTemporaries,
  temporaryPathFor,
  writeFileAtomically,
} from "../crypto/atomicOutput.js";
import { encryptFileTo, ENCRYPTED_SUFFIX } from "../crypto/codeEncryption.js";
import { generateSecretBoxKey } from "../crypto/secretBox.js";
import { connectDocker, type DockerEngine } from "../docker/engine.js";
import { inspectImage, removeImage, tagImage } from "../docker/images.js";
import { DockerEngineError } from "../docker/errors.js";
import { exportImage } from "../docker/imageTransfer.js";
import { isSimulationOnlyImage } from "../model/baseImage.js";
import { readMseToml } from "../model/mseToml.js";
import {
  type MemberDigest,
  type PackageMember,
  packageFileName,
  packageKeyFileName,
} from "../package/packageManifest.js";
import { PackageInputChangedError, type SmallMember, writePackage } from "../package/packageWriter.js";
import { tarDirectory } from "../package/tarWriter.js";
import { buildAppImage, type ImageBuildReporter } from "./appImage.js";
import { packageRunTag, removeStalePackageTags } from "./packageImageTag.js";
import {
  checkProjectInputs,
  imageBuildArgs,
  type ImageBuildOptions,
  imageRepositoryFor,
  type ProjectInputOptions,
  requireKind,
  resolveProjectInputs,
} from "./projectInputs.js";

export { BASE_IMAGE_BUILD_ARG, imageRepositoryFor, PROJECT_LAYOUT } from "./projectInputs.js";
/** The inputs do not describe a package (exit code 2); the name `package` has always exported. */
export { ProjectInputError as PackageInputError } from "./projectInputs.js";

export interface PackageOptions extends ProjectInputOptions, ImageBuildOptions {
  /** Directory receiving the package (created when missing). */
  output: string;
  /** Encrypt every code file and write the key beside the package. */
  encrypt?: boolean;
  reporter?: PackageReporter;
  /** The engine to build with (default: the one DOCKER_HOST names). */
  engine?: DockerEngine;
}

/** What a front end shows while packaging: the build, then the image bytes as they are saved. */
export interface PackageReporter extends ImageBuildReporter {
  /** Bytes of the image written into the package so far, during the phase last reported. */
  transferred?(bytes: number): void;
}

export interface PackageResult {
  name: string;
  package: { path: string; sizeBytes: number };
  /** The code key file (hex), only with --encrypt. */
  key: string | null;
  encrypted: boolean;
  image: { id: string; tag: string; sizeBytes: number };
  /** Built on the simulation-only base image: it runs only on a simulated platform (spawn refuses it on SGX hardware). */
  simulationOnly: boolean;
  members: Record<PackageMember, MemberDigest>;
}

/** Unix time in nanoseconds (milliseconds from the clock, the rest from the monotonic timer). */
function unixNanoseconds(): bigint {
  return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}

export async function packageApp(options: PackageOptions): Promise<PackageResult> {
  const report = options.reporter ?? {};
  const inputs = resolveProjectInputs(options);
  const buildArgs = imageBuildArgs(options);
  await checkProjectInputs(inputs);
  const config = await readMseToml(inputs.config);
  const name = config.name;

  const engine = options.engine ?? (await connectDocker());
  const output = path.resolve(options.output);
  const createdOutput = await mkdir(output, { recursive: true }).catch((cause: unknown) => {
    throw new Error(`cannot create the output directory ${output}`, { cause });
  });
  await requireKind(output, "directory", "output directory");
  // What a killed package run left here (its working directory, a half-written package) goes.
  await removeStaleTemporaries(output);

  const ns = unixNanoseconds();
  const packagePath = path.join(output, packageFileName(name, ns));
  const keyPath = options.encrypt ? path.join(output, packageKeyFileName(name, ns)) : null;
  // Working files live beside the output so the final rename stays on one file system; the name
  // tells a later run whether the process that made it is gone.
  const work = temporaryPathFor(packagePath);
  await mkdir(work, { mode: 0o700 }).catch((error: unknown) => {
    throw explainNoSpace(error, output);
  });
  const repository = imageRepositoryFor(name);
  const uniqueTag = packageRunTag(repository, ns);
  let tagged = false;
  let succeeded = false;
  try {
    const files: Record<SmallMember, string> = {
      "app.tar": path.join(work, "app.tar"),
      "tests.tar": path.join(work, "tests.tar"),
      "mse.toml": inputs.config,
    };

    const key = options.encrypt ? generateSecretBoxKey() : undefined;
    await removeStalePackageTags(engine, repository);
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

    const built = await buildAppImage(engine, { inputs, repository, buildArgs, reporter: report });
    const builtImage = await inspectImage(engine, built.id);
    const simulationOnly = builtImage !== undefined && isSimulationOnlyImage(builtImage);

    // The package carries the image under a tag of its own; the `latest` tag keeps the build cache warm.
    await tagImage(engine, built.id, uniqueTag);
    tagged = true;
    // `docker save` streams straight into the package: the image bytes are written once.
    report.phase?.(`Saving the image into ${path.basename(packagePath)}`);
    const written = await writePackage(packagePath, {
      name,
      encrypted: key !== undefined,
      imageId: built.id,
      files,
      image: await exportImage(engine, uniqueTag),
      ...(report.transferred ? { onImageBytes: (bytes: number) => report.transferred?.(bytes) } : {}),
    }).catch((error: unknown) => {
      // The engine's stream failing is the engine's failure; the file system's (ENOSPC…) speaks for itself.
      if (
        error instanceof DockerEngineError ||
        error instanceof PackageInputChangedError ||
        (error as NodeJS.ErrnoException).syscall !== undefined
      ) {
        throw error;
      }
      throw new DockerEngineError(
        `saving image ${uniqueTag} into ${packagePath}`,
        undefined,
        (error as Error).message,
      );
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
      package: { path: written.path, sizeBytes: written.sizeBytes },
      key: keyPath,
      encrypted: key !== undefined,
      image: { id: built.id, tag: uniqueTag, sizeBytes: written.manifest.members["image.tar"].sizeBytes },
      simulationOnly,
      members: written.manifest.members,
    };
  } catch (error) {
    throw explainNoSpace(error, output);
  } finally {
    await rm(work, { recursive: true, force: true });
    // A directory this run created for its output goes again when nothing came of the run.
    if (!succeeded && createdOutput) await rm(createdOutput, { recursive: true, force: true });
    if (tagged) await removeImage(engine, uniqueTag, { ignoreMissing: true }).catch(() => undefined);
  }
}

// `msehome package`: flags, progress and printing; the work is in provider/package.
import { type Command, InvalidArgumentError } from "commander";
import { contextOf, printResult } from "../output.js";
import { createSpinner } from "../spinner.js";

function collectBuildArg(
  value: string,
  previous: Record<string, string> | undefined,
): Record<string, string> {
  const separator = value.indexOf("=");
  if (separator <= 0) throw new InvalidArgumentError(`expected KEY=VALUE, got "${value}"`);
  return { ...previous, [value.slice(0, separator)]: value.slice(separator + 1) };
}

function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

interface PackageFlags {
  project?: string;
  code?: string;
  config?: string;
  dockerfile?: string;
  test?: string;
  output: string;
  encrypt?: boolean;
  baseImage?: string;
  buildArg?: Record<string, string>;
}

export function registerPackage(program: Command): void {
  program
    .command("package")
    .description(
      "Package the app for the SGX operator: its code, tests, mse.toml and Docker image in package_<name>_<ns>.tar",
    )
    .option(
      "--project <dir>",
      "a scaffolded project (mse_src/, tests/, mse.toml, Dockerfile); or give the four below",
    )
    .option("--code <dir>", "the app's code directory (files matching its .mseignore are left out)")
    .option("--config <file>", "the app's mse.toml")
    .option("--dockerfile <file>", "the Dockerfile of the app's image (its directory is the build context)")
    .option("--test <dir>", "the directory holding the app's tests")
    .requiredOption("--output <dir>", "directory receiving the package (created when missing)")
    .option(
      "--encrypt",
      "encrypt every code file; the key is written beside the package as package_<name>_<ns>.key",
    )
    .option(
      "--base-image <image>",
      "base image for the Dockerfile's FROM ${MSEHOME_BASE} (default: the Dockerfile's, msehome/base:<version>)",
    )
    .option("--build-arg <key=value>", "a build argument for the image build (repeatable)", collectBuildArg)
    .action(async (flags: PackageFlags, command: Command) => {
      const ctx = contextOf(command);
      const { packageApp } = await import("../../provider/package.js");
      const spinner = createSpinner();
      let result;
      try {
        result = await packageApp({
          project: flags.project,
          code: flags.code,
          config: flags.config,
          dockerfile: flags.dockerfile,
          test: flags.test,
          output: flags.output,
          encrypt: flags.encrypt === true,
          baseImage: flags.baseImage,
          buildArgs: flags.buildArg ?? {},
          reporter: {
            phase: (message) => spinner.update(message),
            ...(ctx.verbose ? { buildLog: (line: string) => spinner.log(line) } : {}),
          },
        });
      } catch (error) {
        spinner.stop();
        // A failed build shows its last log lines (all of them went by already with --verbose).
        const tail = (error as { logTail?: unknown }).logTail;
        if (!ctx.verbose && Array.isArray(tail) && tail.length > 0) {
          process.stderr.write(
            `The image build's last lines:\n${tail.map((line) => `  ${String(line)}`).join("\n")}\n`,
          );
        }
        throw error;
      }
      spinner.stop();
      const done = result;
      printResult(ctx, done, () =>
        [
          `Package: ${done.package.path} (${formatBytes(done.package.sizeBytes)})`,
          ...(done.key ? [`Key:     ${done.key} (keep it secret: it decrypts the code)`] : []),
          `Image:   ${done.image.id} (${formatBytes(done.image.sizeBytes)})`,
        ].join("\n"),
      );
    });
}

// `msehome package`: flags, progress and printing; the work is in provider/package.
import path from "node:path";
import type { Command } from "commander";
import { withBuildProgress } from "../buildProgress.js";
import { contextOf, printResult, warn } from "../output.js";
import {
  addImageBuildOptions,
  addProjectOptions,
  type ProjectFlags,
  projectInputsOf,
} from "../projectFlags.js";
import { createTransferProgress, formatBytes } from "../transferProgress.js";

interface PackageFlags extends ProjectFlags {
  output: string;
  encrypt?: boolean;
}

export function registerPackage(program: Command): void {
  const command = program
    .command("package")
    .summary("[provider] pack code, tests, mse.toml and the Docker image for the operator")
    .description(
      "Package the app for the SGX operator: its code, tests, mse.toml and Docker image in package_<name>_<ns>.tar",
    );
  addProjectOptions(command)
    .requiredOption("--output <dir>", "directory receiving the package (created when missing)")
    .option(
      "--encrypt",
      "encrypt every code file; the key is written beside the package as package_<name>_<ns>.key",
    );
  addImageBuildOptions(command).action(async (flags: PackageFlags, cmd: Command) => {
    const ctx = contextOf(cmd);
    const { packageApp } = await import("../../provider/package.js");
    const done = await withBuildProgress(ctx.verbose, (progress) => {
      const transfer = createTransferProgress(progress.spinner);
      return packageApp({
        ...projectInputsOf(flags),
        output: flags.output,
        encrypt: flags.encrypt === true,
        reporter: {
          phase: transfer.phase,
          transferred: transfer.bytes,
          ...(progress.buildLog ? { buildLog: progress.buildLog } : {}),
        },
      });
    });
    if (done.simulationOnly) {
      warn(
        `${path.basename(done.package.path)} is built on the simulation-only base image: it runs only on a simulated SGX platform (spawn --simulation), and spawn on SGX hardware refuses it`,
      );
    }
    printResult(ctx, done, () =>
      [
        `Package: ${done.package.path} (${formatBytes(done.package.sizeBytes)})`,
        ...(done.key ? [`Key:     ${done.key} (keep it secret: it decrypts the code)`] : []),
        `Image:   ${done.image.id} (${formatBytes(done.image.sizeBytes)})`,
        ...(done.simulationOnly ? ["Base:    simulation-only (for a simulated SGX platform only)"] : []),
      ].join("\n"),
    );
  });
}

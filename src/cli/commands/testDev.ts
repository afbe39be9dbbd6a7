// `msehome test-dev`: flags, progress and printing; the work is in provider/testDev.
import { type Command, InvalidArgumentError } from "commander";
import { handleInterrupts } from "../interrupt.js";
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

function parseSeconds(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > 86_400) {
    throw new InvalidArgumentError(`expected a whole number of seconds between 1 and 86400, got "${value}"`);
  }
  return Number(value);
}

interface TestDevFlags {
  project?: string;
  code?: string;
  config?: string;
  dockerfile?: string;
  test?: string;
  secrets?: string;
  sealedSecrets?: string;
  baseImage?: string;
  buildArg?: Record<string, string>;
  timeout?: number;
}

export function registerTestDev(program: Command): void {
  program
    .command("test-dev")
    .description(
      "Test the app locally before packaging it: build its image, run it with msehome-dev (plain HTTP, no enclave), wait for its healthcheck and run its tests against it",
    )
    .option(
      "--project <dir>",
      "a scaffolded project (mse_src/, tests/, mse.toml, Dockerfile); or give the four below",
    )
    .option("--code <dir>", "the app's code directory (files matching its .mseignore are left out)")
    .option("--config <file>", "the app's mse.toml")
    .option("--dockerfile <file>", "the Dockerfile of the app's image (its directory is the build context)")
    .option("--test <dir>", "the directory holding the app's tests")
    .option(
      "--secrets <file>",
      "a JSON secrets file: the app finds it at SECRETS_PATH, the tests at TEST_SECRET_JSON",
    )
    .option(
      "--sealed-secrets <file>",
      "the secrets you will seal, in clear: the app finds them at SEALED_SECRETS_PATH, the tests at TEST_SEALED_SECRET_JSON",
    )
    .option(
      "--base-image <image>",
      "base image for the Dockerfile's FROM ${MSEHOME_BASE} (default: the Dockerfile's, msehome/base:<version>)",
    )
    .option("--build-arg <key=value>", "a build argument for the image build (repeatable)", collectBuildArg)
    .option(
      "--timeout <seconds>",
      "how long the app has to answer its healthcheck with 200 (default 60)",
      parseSeconds,
    )
    .action(async (flags: TestDevFlags, command: Command) => {
      const ctx = contextOf(command);
      const { testDev } = await import("../../provider/testDev.js");
      const spinner = createSpinner();
      const interruption = handleInterrupts();
      let result;
      try {
        result = await testDev({
          project: flags.project,
          code: flags.code,
          config: flags.config,
          dockerfile: flags.dockerfile,
          test: flags.test,
          secrets: flags.secrets,
          sealedSecrets: flags.sealedSecrets,
          baseImage: flags.baseImage,
          buildArgs: flags.buildArg ?? {},
          ...(flags.timeout ? { healthcheckTimeoutMs: flags.timeout * 1000 } : {}),
          signal: interruption.signal,
          reporter: {
            phase: (message) => spinner.update(message),
            ...(ctx.verbose ? { buildLog: (line: string) => spinner.log(line) } : {}),
            testOutput: (chunk) => {
              spinner.stop();
              process.stderr.write(chunk);
            },
            containerLogs: (name, logs) => {
              spinner.stop();
              const body = logs.trim() === "" ? "(empty)" : logs.replace(/\n?$/, "\n");
              process.stderr.write(`--- logs of the app container ${name} ---\n${body}--- end of logs ---\n`);
            },
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
      } finally {
        interruption.dispose();
      }
      spinner.stop();
      const done = result;
      printResult(ctx, done, () =>
        [
          `Tests passed: ${done.name} answered ${done.url}${done.healthcheck} and ${JSON.stringify(done.tests.command)} exited 0`,
          `Image: ${done.image.tag} (${done.image.id})`,
        ].join("\n"),
      );
    });
}

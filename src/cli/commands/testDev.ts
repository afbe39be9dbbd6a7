// `msehome test-dev`: flags, progress and printing; the work is in provider/testDev.
import { type Command, InvalidArgumentError } from "commander";
import { withBuildProgress } from "../buildProgress.js";
import { handleInterrupts } from "../interrupt.js";
import { contextOf, printResult } from "../output.js";
import {
  addImageBuildOptions,
  addProjectOptions,
  type ProjectFlags,
  projectInputsOf,
} from "../projectFlags.js";

function parseSeconds(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > 86_400) {
    throw new InvalidArgumentError(`expected a whole number of seconds between 1 and 86400, got "${value}"`);
  }
  return Number(value);
}

interface TestDevFlags extends ProjectFlags {
  secrets?: string;
  sealedSecrets?: string;
  timeout?: number;
}

export function registerTestDev(program: Command): void {
  const command = program
    .command("test-dev")
    .summary("[provider] run the app and its tests locally, without an enclave")
    .description(
      "Test the app locally before packaging it: build its image, run it with msehome-dev (plain HTTP, no enclave), wait for its healthcheck and run its tests against it",
    );
  addProjectOptions(command)
    .option(
      "--secrets <file>",
      "a JSON secrets file: the app finds it at SECRETS_PATH, the tests at TEST_SECRET_JSON",
    )
    .option(
      "--sealed-secrets <file>",
      "the secrets you will seal, in clear: the app finds them at SEALED_SECRETS_PATH, the tests at TEST_SEALED_SECRET_JSON",
    );
  addImageBuildOptions(command)
    .option(
      "--timeout <seconds>",
      "how long the app has to answer its healthcheck with 200 (default 60)",
      parseSeconds,
    )
    .action(async (flags: TestDevFlags, cmd: Command) => {
      const ctx = contextOf(cmd);
      const { testDev } = await import("../../provider/testDev.js");
      const interruption = handleInterrupts();
      let done;
      try {
        done = await withBuildProgress(ctx.verbose, ({ phase, buildLog, spinner }) =>
          testDev({
            ...projectInputsOf(flags),
            secrets: flags.secrets,
            sealedSecrets: flags.sealedSecrets,
            ...(flags.timeout ? { healthcheckTimeoutMs: flags.timeout * 1000 } : {}),
            signal: interruption.signal,
            reporter: {
              phase,
              ...(buildLog ? { buildLog } : {}),
              testOutput: (chunk) => {
                spinner.stop();
                process.stderr.write(chunk);
              },
              containerLogs: (name, logs) => {
                spinner.stop();
                const body = logs.trim() === "" ? "(empty)" : logs.replace(/\n?$/, "\n");
                process.stderr.write(
                  `--- logs of the app container ${name} ---\n${body}--- end of logs ---\n`,
                );
              },
            },
          }),
        );
      } finally {
        interruption.dispose();
      }
      printResult(ctx, done, () =>
        [
          `Tests passed: ${done.name} answered ${done.url}${done.healthcheck} and ${JSON.stringify(done.tests.command)} exited 0`,
          `Image: ${done.image.tag} (${done.image.id})`,
        ].join("\n"),
      );
    });
}

// `msehome test NAME --test DIR --config FILE`: flags and output; the work is in operator/appTests.
import type { Command } from "commander";
import { handleInterrupts } from "../interrupt.js";
import { contextOf, printResult, progress } from "../output.js";

interface TestFlags {
  test: string;
  config: string;
}

export function registerTest(program: Command): void {
  program
    .command("test")
    .summary("[operator] run the provider's tests against a running app")
    .description(
      "Run the code provider's tests against a running app, over TLS to its RA-TLS certificate: installs tests_requirements (npm) into a copy of the tests directory, then runs tests_cmd there with TEST_REMOTE_URL=https://<host>:<port>, TEST_RATLS_CERT and NODE_EXTRA_CA_CERTS set (TEST_SECRET_JSON and TEST_SEALED_SECRET_JSON from your environment are passed on).",
    )
    .argument("<name>", "the app's name (as given to spawn)")
    .requiredOption("--test <dir>", "the tests directory (DIR/tests after spawn)")
    .requiredOption("--config <file>", "the app's mse.toml (DIR/mse.toml after spawn)")
    .action(async (name: string, flags: TestFlags, command: Command) => {
      const ctx = contextOf(command);
      const { testApp } = await import("../../operator/appTests.js");
      // The tests run in their own process group: Ctrl-C reaches them through the abort.
      const interruption = handleInterrupts();
      let result;
      try {
        result = await testApp({
          name,
          testsDir: flags.test,
          configPath: flags.config,
          // With --json, stdout carries the result only.
          stdout: ctx.json ? process.stderr : process.stdout,
          stderr: process.stderr,
          onPhase: progress,
          signal: interruption.signal,
        });
      } finally {
        interruption.dispose();
      }
      printResult(ctx, result, () => `The tests of ${result.name} passed against ${result.url}.`);
    });
}

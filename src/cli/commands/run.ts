// `msehome run NAME [--secrets F] [--sealed-secrets F] [--key F]`: flags, progress and output; the
// work is in operator/run.
import type { Command } from "commander";
import { withAppProgress } from "../appProgress.js";
import { contextOf, printResult } from "../output.js";
import { parseMinutes } from "./operatorFlags.js";

interface RunFlags {
  secrets?: string;
  sealedSecrets?: string;
  key?: string;
  timeout: number;
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .summary("[operator] give a spawned app its secrets and start it")
    .description(
      "Give a spawned app its configuration and start it: the secrets (plain and/or sealed by the code provider) and the code key of an encrypted package go to the enclave over TLS pinned to its RA-TLS certificate; then wait for the app's healthcheck. Only an app waiting for secrets accepts them.",
    )
    .argument("<name>", "the app's name (as given to spawn)")
    .option("--secrets <file>", "plain secrets for the app (a JSON file; the app reads it at SECRETS_PATH)")
    .option(
      "--sealed-secrets <file>",
      "secrets the code provider sealed to the enclave with `msehome seal` (the app reads them at SEALED_SECRETS_PATH)",
    )
    .option(
      "--key <file>",
      "the code key of an encrypted package (the .key file `msehome package --encrypt` wrote)",
    )
    .option("--timeout <minutes>", "how long to wait for the app's healthcheck", parseMinutes, 5)
    .action(async (name: string, flags: RunFlags, command: Command) => {
      const { runApp } = await import("../../operator/run.js");
      const done = await withAppProgress(name, (progress) =>
        runApp({
          name,
          ...(flags.secrets !== undefined ? { secretsPath: flags.secrets } : {}),
          ...(flags.sealedSecrets !== undefined ? { sealedSecretsPath: flags.sealedSecrets } : {}),
          ...(flags.key !== undefined ? { keyPath: flags.key } : {}),
          timeoutMs: flags.timeout * 60_000,
          onPhase: progress.phase,
          onProbe: progress.probe,
        }),
      );
      const sent = [
        done.sent.secrets ? "secrets" : "",
        done.sent.sealedSecrets ? "sealed secrets" : "",
        done.sent.codeKey ? "code key" : "",
      ].filter(Boolean);
      printResult(
        contextOf(command),
        done,
        () =>
          `${done.name} is running (${done.detail}); sent ${sent.length ? sent.join(", ") : "no secrets"} to the enclave whose certificate has SHA-256 fingerprint ${done.certificateFingerprint}.`,
      );
    });
}

// Where output goes: results on stdout (JSON with --json), progress and warnings on stderr.
import type { Command } from "commander";

export interface CliContext {
  json: boolean;
  verbose: boolean;
}

export function contextOf(command: Command): CliContext {
  const options = command.optsWithGlobals<{ json?: boolean; verbose?: boolean }>();
  return { json: options.json === true, verbose: options.verbose === true };
}

/** Prints a command's result: the data as JSON with --json, else the human rendering. */
export function printResult(ctx: CliContext, data: unknown, human: () => string): void {
  if (ctx.json) {
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  } else {
    const text = human();
    if (text) process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }
}

export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

export function debug(ctx: CliContext, message: string): void {
  if (ctx.verbose) process.stderr.write(`${message}\n`);
}

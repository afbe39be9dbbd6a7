#!/usr/bin/env node
// Entry point of the msehome command line.
import { CommanderError } from "commander";
import { createProgram } from "./program.js";
import { reportError } from "./errors.js";

async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message; help and version are successes.
      return error.exitCode === 0 ? 0 : 2;
    }
    return reportError(error);
  }
}

// docker-modem's SSH transport builds request URLs with url.parse, which Node flags on every
// ssh:// engine; a library's deprecation is nothing the user can act on.
process.noDeprecation = true;
const exitCode = await main(process.argv);
// The command is done: exit once stdout and stderr are flushed, rather than when the event loop
// drains. A kept-alive connection (an SSH engine's, a tunnel's) must not hold the terminal.
await Promise.all(
  [process.stdout, process.stderr].map(
    (stream) => new Promise<void>((resolve) => stream.write("", () => resolve())),
  ),
);
process.exit(exitCode);

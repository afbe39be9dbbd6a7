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
process.exitCode = await main(process.argv);

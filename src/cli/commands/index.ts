// Every subcommand, in the order --help lists them.
import type { Command } from "commander";

export const commandModules: ReadonlyArray<(program: Command) => void> = [];

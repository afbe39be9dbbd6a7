// Every subcommand, in the order --help lists them.
import type { Command } from "commander";
import { registerDecrypt } from "./decrypt.js";
import { registerScaffold } from "./scaffold.js";
import { registerSim } from "./sim.js";

export const commandModules: ReadonlyArray<(program: Command) => void> = [
  registerScaffold,
  registerDecrypt,
  registerSim,
];

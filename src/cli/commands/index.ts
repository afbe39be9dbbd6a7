// Every subcommand, in the order --help lists them.
import type { Command } from "commander";
import { registerSim } from "./sim.js";

export const commandModules: ReadonlyArray<(program: Command) => void> = [registerSim];

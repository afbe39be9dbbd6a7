// Every subcommand, in the order --help lists them: the code provider's, then the operator's, then tools.
import type { Command } from "commander";
import { registerDecrypt } from "./decrypt.js";
import { registerPackage } from "./package.js";
import { registerQuote } from "./quote.js";
import { registerScaffold } from "./scaffold.js";
import { registerSeal } from "./seal.js";
import { registerSim } from "./sim.js";
import { registerVerify } from "./verify.js";

export const commandModules: ReadonlyArray<(program: Command) => void> = [
  registerScaffold,
  registerPackage,
  registerVerify,
  registerSeal,
  registerDecrypt,
  registerQuote,
  registerSim,
];

// Every subcommand, in the order --help lists them: the code provider's, then the operator's, then tools.
import type { Command } from "commander";
import { registerDecrypt } from "./decrypt.js";
import { registerDoctor } from "./doctor.js";
import { registerEvidence } from "./evidence.js";
import { registerList } from "./list.js";
import { registerLogs } from "./logs.js";
import { registerPackage } from "./package.js";
import { registerQuote } from "./quote.js";
import { registerRestart } from "./restart.js";
import { registerRun } from "./run.js";
import { registerScaffold } from "./scaffold.js";
import { registerSeal } from "./seal.js";
import { registerSim } from "./sim.js";
import { registerSpawn } from "./spawn.js";
import { registerStatus } from "./status.js";
import { registerStop } from "./stop.js";
import { registerTest } from "./test.js";
import { registerTestDev } from "./testDev.js";
import { registerVerify } from "./verify.js";

export const commandModules: ReadonlyArray<(program: Command) => void> = [
  registerScaffold,
  registerTestDev,
  registerPackage,
  registerVerify,
  registerSeal,
  registerDecrypt,
  registerDoctor,
  registerSpawn,
  registerEvidence,
  registerRun,
  registerTest,
  registerStop,
  registerRestart,
  registerLogs,
  registerStatus,
  registerList,
  registerQuote,
  registerSim,
];

// For tests: one valid set of enclave launch arguments, for tests that need any app's arguments.
import type { LaunchArguments } from "../../src/model/launchArguments.js";

export const SAMPLE_LAUNCH: LaunchArguments = {
  sizeMb: 2048,
  san: "localhost",
  extraSans: [],
  appId: "0b8e6f36-1d7e-4b61-9c43-6c6a9f0a1c2d",
  application: "app.mjs:app",
  expiration: 1_900_000_000,
  subprocesses: false,
  simulation: true,
  dryRun: false,
  debug: false,
};

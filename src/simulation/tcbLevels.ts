// The simulated FMSPC's TCB levels, one per TCB status, and the platform TCB that lands on each: how a TCB state is configured.
import type { TcbStatus } from "../attestation/tcbInfo.js";
import type { PlatformTcb } from "./sgxExtension.js";

/** The simulated platforms' FMSPC: "SIM" in ASCII, so it never collides with a real one. */
export const SIMULATION_FMSPC = "53494D000000";
export const SIMULATION_PCE_ID = "0000";
export const SIMULATION_TCB_EVALUATION_DATA_NUMBER = 17;

/** The states `msehome sim init --tcb` accepts; `revoked` also lists the platform's PCK certificate on the PCK CRL. */
export const SIMULATED_TCB_STATES = [
  "up-to-date",
  "sw-hardening-needed",
  "configuration-needed",
  "configuration-and-sw-hardening-needed",
  "out-of-date",
  "out-of-date-configuration-needed",
  "revoked",
] as const;
export type SimulatedTcbState = (typeof SIMULATED_TCB_STATES)[number];

export interface TcbLevel {
  state: SimulatedTcbState;
  status: TcbStatus;
  components: readonly number[];
  pceSvn: number;
  tcbDate: string;
  advisoryIds: readonly string[];
}

// Component 7 plays the part of the platform configuration (1 = as Intel recommends, 0 = needs configuration);
// components 1-2 (microcode) and the PCESVN step down from level to level. Ordered as Intel orders them, so the
// first level whose every SVN is <= the platform's is the platform's own.
const microcode = (svn: number, config: 0 | 1): number[] => [
  svn,
  svn,
  3,
  3,
  255,
  255,
  config,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
];
const CONFIGURATION_ADVISORIES = ["INTEL-SA-00219", "INTEL-SA-00289"];
const HARDENING_ADVISORIES = ["INTEL-SA-00615"];
const OUT_OF_DATE_ADVISORIES = ["INTEL-SA-00586", "INTEL-SA-00614", "INTEL-SA-00615"];

export const TCB_LEVELS: readonly TcbLevel[] = [
  {
    state: "up-to-date",
    status: "UpToDate",
    components: microcode(22, 1),
    pceSvn: 14,
    tcbDate: "2025-11-12T00:00:00Z",
    advisoryIds: [],
  },
  {
    state: "configuration-needed",
    status: "ConfigurationNeeded",
    components: microcode(22, 0),
    pceSvn: 14,
    tcbDate: "2025-11-12T00:00:00Z",
    advisoryIds: CONFIGURATION_ADVISORIES,
  },
  {
    state: "sw-hardening-needed",
    status: "SWHardeningNeeded",
    components: microcode(20, 1),
    pceSvn: 13,
    tcbDate: "2024-03-13T00:00:00Z",
    advisoryIds: HARDENING_ADVISORIES,
  },
  {
    state: "configuration-and-sw-hardening-needed",
    status: "ConfigurationAndSWHardeningNeeded",
    components: microcode(20, 0),
    pceSvn: 13,
    tcbDate: "2024-03-13T00:00:00Z",
    advisoryIds: [...CONFIGURATION_ADVISORIES, ...HARDENING_ADVISORIES],
  },
  {
    state: "out-of-date",
    status: "OutOfDate",
    components: microcode(15, 1),
    pceSvn: 11,
    tcbDate: "2021-11-10T00:00:00Z",
    advisoryIds: OUT_OF_DATE_ADVISORIES,
  },
  {
    state: "out-of-date-configuration-needed",
    status: "OutOfDateConfigurationNeeded",
    components: microcode(15, 0),
    pceSvn: 11,
    tcbDate: "2021-11-10T00:00:00Z",
    advisoryIds: [...CONFIGURATION_ADVISORIES, ...OUT_OF_DATE_ADVISORIES],
  },
  {
    state: "revoked",
    status: "Revoked",
    components: microcode(10, 0),
    pceSvn: 9,
    tcbDate: "2019-11-13T00:00:00Z",
    advisoryIds: ["INTEL-SA-00320", "INTEL-SA-00329", ...CONFIGURATION_ADVISORIES, ...OUT_OF_DATE_ADVISORIES],
  },
];

export function tcbLevelOf(state: SimulatedTcbState): TcbLevel {
  const level = TCB_LEVELS.find((l) => l.state === state);
  if (!level) throw new Error(`unknown simulated TCB state "${state}"`);
  return level;
}

/** The platform TCB (component SVNs, PCESVN and CPUSVN) that a platform in this state reports. */
export function platformTcbOf(state: SimulatedTcbState): PlatformTcb {
  const level = tcbLevelOf(state);
  // As on real parts, CPUSVN is the 16 component SVNs side by side.
  return {
    components: [...level.components],
    pceSvn: level.pceSvn,
    cpuSvn: Uint8Array.from(level.components),
  };
}

/** Intel's matching rule, used to check that every state lands on its own level. */
export function matchTcbLevel(tcb: PlatformTcb): TcbLevel | undefined {
  return TCB_LEVELS.find(
    (level) =>
      tcb.pceSvn >= level.pceSvn && level.components.every((svn, i) => (tcb.components[i] ?? -1) >= svn),
  );
}

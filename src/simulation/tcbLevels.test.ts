// Every simulated TCB state lands, by Intel's matching rule, on the level of its own status.
import { describe, expect, it } from "vitest";
import { TCB_STATUSES } from "../attestation/tcbInfo.js";
import { SIMULATED_TCB_STATES, TCB_LEVELS, matchTcbLevel, platformTcbOf, tcbLevelOf } from "./tcbLevels.js";

describe("simulated TCB levels", () => {
  it("give each state its own status, once: every status Intel defines, in Intel's order", () => {
    const statuses = SIMULATED_TCB_STATES.map((state) => tcbLevelOf(state).status);
    expect(new Set(statuses).size).toBe(SIMULATED_TCB_STATES.length);
    expect(statuses).toEqual([...TCB_STATUSES]);
  });

  it.each(SIMULATED_TCB_STATES)("match a %s platform to its own level and no earlier one", (state) => {
    const tcb = platformTcbOf(state);
    expect(matchTcbLevel(tcb)?.state).toBe(state);
    expect(Array.from(tcb.cpuSvn)).toEqual(tcb.components);
  });

  it("match nothing below the lowest level, as Intel reports an unsupported TCB", () => {
    const lowest = TCB_LEVELS[TCB_LEVELS.length - 1]!;
    expect(
      matchTcbLevel({
        components: [...lowest.components],
        pceSvn: lowest.pceSvn - 1,
        cpuSvn: new Uint8Array(16),
      }),
    ).toBe(undefined);
  });

  it("attach advisories to every status but UpToDate", () => {
    for (const level of TCB_LEVELS) {
      expect(level.advisoryIds.length > 0).toBe(level.status !== "UpToDate");
      for (const id of level.advisoryIds) expect(id).toMatch(/^INTEL-SA-\d{5}$/);
    }
  });
});

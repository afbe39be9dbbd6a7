// The simulated SGX platform spawn --simulation runs on, checked as doctor --simulation and spawn
// need it. The platform itself is the simulator's: the command line hands in how to load it and
// which root its PCCS signs with.
import path from "node:path";
import { failed, type HostCheck, passed } from "./hostCheck.js";
import type { PccsTrust } from "./pccsChecks.js";

export interface SimulatedPlatformProbe {
  platformDir: string;
  /** Loads the platform directory; throws a sentence naming what is wrong. */
  load(dir: string): Promise<{ fmspc: Uint8Array; tcbState: string }>;
  /** The simulation root its PCCS signs with, and how to start that PCCS. */
  pccsTrust: PccsTrust;
}

export async function checkSimulatedPlatform(
  probe: SimulatedPlatformProbe,
): Promise<{ check: HostCheck; fmspc?: string }> {
  const id = "platform";
  const title = "Simulated SGX platform";
  const dir = path.resolve(probe.platformDir);
  try {
    const platform = await probe.load(dir);
    const fmspc = Buffer.from(platform.fmspc).toString("hex").toUpperCase();
    return {
      check: passed(
        id,
        title,
        `${dir} holds a simulated platform (TCB state ${platform.tcbState}, FMSPC ${fmspc})`,
      ),
      fmspc,
    };
  } catch (error) {
    // The loader's sentence may already say how to create one; the fix says it once.
    const detail = (error as Error).message.split("; ")[0]!;
    return {
      check: failed(id, title, detail, `create it, or reset a broken one: msehome sim init --dir ${dir}`),
    };
  }
}

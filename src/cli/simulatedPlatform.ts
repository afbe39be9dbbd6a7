// The simulated SGX platform as spawn and doctor check it: its directory (--platform, else the
// default), how to load it, and the published simulation root its PCCS signs with.
import type { SimulatedPlatformProbe } from "../operator/simulatedHostChecks.js";

export async function simulatedPlatformProbe(platform: string | undefined): Promise<SimulatedPlatformProbe> {
  const { defaultPlatformDir, loadPlatform } = await import("../simulation/platform.js");
  const { SIMULATION_ROOT_CA_DER } = await import("../simulation/pki.js");
  const platformDir = platform ?? defaultPlatformDir();
  return {
    platformDir,
    load: loadPlatform,
    pccsTrust: {
      rootCaDer: SIMULATION_ROOT_CA_DER,
      rootName: "the msehome simulation root CA",
      getOne: `a simulated platform needs msehome's simulated PCCS: start it with msehome sim pccs --dir ${platformDir} and pass its URL with --pccs`,
    },
  };
}

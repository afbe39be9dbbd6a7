// The simulator's use cases behind `msehome sim`: create or reset a platform, and serve its collateral as a PCCS.
import { defaultPlatformDir, initPlatform, type SimulatedTcbState } from "./platform.js";
import { startPccsServer, type PccsServer } from "./pccsServer.js";
import { SIMULATION_ROOT_CA_SHA256 } from "./pki.js";
import { tcbLevelOf } from "./tcbLevels.js";

/** Said wherever simulation shows: nothing it produces proves hardware protection. */
export const SIMULATION_WARNING =
  "simulated SGX platform: its quotes and collateral are signed by the published msehome simulation PKI and prove no hardware protection; they verify only with --simulation";

export interface SimulatedPlatformSummary {
  dir: string;
  tcbState: SimulatedTcbState;
  /** The TCB status a verifier will report for this platform. */
  tcbStatus: string;
  advisoryIds: string[];
  fmspc: string;
  pckSerialNumber: string;
  /** SHA-256 of the simulation root CA's DER, the trust anchor `--simulation` pins. */
  rootCaSha256: string;
}

export async function initSimulatedPlatform(options: {
  dir?: string;
  tcb?: SimulatedTcbState;
}): Promise<SimulatedPlatformSummary> {
  const platform = await initPlatform(options.dir ?? defaultPlatformDir(), {
    tcb: options.tcb ?? "up-to-date",
  });
  const level = tcbLevelOf(platform.tcbState);
  return {
    dir: platform.dir,
    tcbState: platform.tcbState,
    tcbStatus: level.status,
    advisoryIds: [...level.advisoryIds],
    fmspc: Buffer.from(platform.fmspc).toString("hex").toUpperCase(),
    pckSerialNumber: platform.pckSerialNumber,
    rootCaSha256: SIMULATION_ROOT_CA_SHA256,
  };
}

export async function serveSimulatedPccs(options: {
  dirs?: string[];
  host?: string;
  port?: number;
  http?: boolean;
  log: (line: string) => void;
}): Promise<PccsServer> {
  return startPccsServer({
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 8081,
    platformDir: options.dirs && options.dirs.length > 0 ? options.dirs : defaultPlatformDir(),
    tls: !options.http,
    log: options.log,
  });
}

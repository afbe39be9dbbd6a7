// `msehome doctor`: is this machine ready to spawn enclaves? On SGX hardware: the CPU, the driver's
// devices, aesmd, the QCNL configuration, the PCCS; in simulation: the simulated platform and its
// PCCS; in both: the Docker engine, the mode's base image and free disk. Spawn runs the same
// platform and PCCS checks (see spawnChecks), so what doctor passes, spawn accepts.
import { connectDocker, type DockerEngine } from "../docker/engine.js";
import type { PccsSource } from "../model/pccsSource.js";
import { checkBaseImage, checkDockerEngine, checkFreeDisk, MIN_FREE_DISK_BYTES } from "./engineChecks.js";
import { blockingFailures, type HostCheck } from "./hostCheck.js";
import {
  checkPccsCollateralCurrent,
  checkPccsRoot,
  checkPccsServesPlatform,
  INTEL_PCCS_TRUST,
  resolvePccsClient,
} from "./pccsChecks.js";
import { checkSgxHost, sgxHostPaths } from "./sgxHostChecks.js";
import { checkSimulatedPlatform, type SimulatedPlatformProbe } from "./simulatedHostChecks.js";

export interface DoctorRequest extends PccsSource {
  /** Where /proc, /dev, /var/run and /etc are looked up (default "/"). */
  root?: string;
  /** Check this simulated platform instead of SGX hardware. */
  simulation?: SimulatedPlatformProbe;
  /** The engine (default: the one DOCKER_HOST names). */
  connect?: () => Promise<DockerEngine>;
  /** Where spawn will write, for the free disk check (default: the working directory). */
  workDir?: string;
  minFreeDiskBytes?: number;
  now?: Date;
}

export interface DoctorReport {
  mode: "sgx" | "simulation";
  /** Every check spawn needs passed. */
  ready: boolean;
  checks: HostCheck[];
}

async function hardwareChecks(request: DoctorRequest, now: Date): Promise<HostCheck[]> {
  const [platform, pccs] = await Promise.all([
    checkSgxHost(sgxHostPaths(request.root)),
    (async () => {
      const source = {
        ...request,
        qcnlConfigPath: request.qcnlConfigPath ?? sgxHostPaths(request.root).qcnlConfig,
      };
      const { client, check } = await resolvePccsClient(source, INTEL_PCCS_TRUST);
      if (!client) return [check!];
      const root = await checkPccsRoot(client, INTEL_PCCS_TRUST);
      return root.crl ? [root.check, await checkPccsCollateralCurrent(client, root.crl, now)] : [root.check];
    })(),
  ]);
  return [...platform, ...pccs];
}

async function simulationChecks(request: DoctorRequest, probe: SimulatedPlatformProbe): Promise<HostCheck[]> {
  const platform = await checkSimulatedPlatform(probe);
  const { client, check } = await resolvePccsClient(request, probe.pccsTrust);
  if (!client) return [platform.check, check!];
  const root = await checkPccsRoot(client, probe.pccsTrust);
  const served =
    root.crl && platform.fmspc
      ? [await checkPccsServesPlatform(client, platform.fmspc, probe.platformDir)]
      : [];
  return [platform.check, root.check, ...served];
}

export async function runDoctor(request: DoctorRequest = {}): Promise<DoctorReport> {
  const now = request.now ?? new Date();
  const [platform, docker] = await Promise.all([
    request.simulation ? simulationChecks(request, request.simulation) : hardwareChecks(request, now),
    checkDockerEngine(request.connect ?? (() => connectDocker())),
  ]);
  const [image, disk] = await Promise.all([
    checkBaseImage(docker.engine, request.simulation ? "simulation" : "sgx"),
    checkFreeDisk(
      docker.engine,
      request.workDir ?? process.cwd(),
      request.minFreeDiskBytes ?? MIN_FREE_DISK_BYTES,
    ),
  ]);
  const checks = [...platform, docker.check, image, disk];
  return {
    mode: request.simulation ? "simulation" : "sgx",
    ready: blockingFailures(checks).length === 0,
    checks,
  };
}

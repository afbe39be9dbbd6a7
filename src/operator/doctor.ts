// `msehome doctor`: is this machine ready to spawn enclaves? On SGX hardware: the CPU, the driver's
// devices, aesmd, the QCNL configuration, the PCCS; in simulation: the simulated platform and its
// PCCS; in both: the Docker engine, the mode's base image and free disk. Spawn runs the same
// platform and PCCS checks (see spawnChecks), so what doctor passes, spawn accepts. With a remote
// engine, the SGX platform checked is that engine's machine's (see remoteSgxHost).
import { connectDocker, DockerEngine } from "../docker/engine.js";
import type { PccsSource } from "../model/pccsSource.js";
import { checkBaseImage, checkDockerEngine, checkFreeDisk, MIN_FREE_DISK_BYTES } from "./engineChecks.js";
import { blockingFailures, failed, type HostCheck } from "./hostCheck.js";
import {
  checkPccsCollateralCurrent,
  checkPccsRoot,
  checkPccsServesPlatform,
  INTEL_PCCS_TRUST,
  resolvePccsClient,
} from "./pccsChecks.js";
import {
  checkRemoteSgxHost,
  engineMachine,
  enginePccsSource,
  isRemoteEngine,
  type RemoteSgxHostOptions,
} from "./remoteSgxHost.js";
import { checkSgxHost, sgxHostPaths } from "./sgxHostChecks.js";
import { checkSimulatedPlatform, type SimulatedPlatformProbe } from "./simulatedHostChecks.js";

export interface DoctorRequest extends PccsSource {
  /** Where /proc, /dev, /var/run and /etc are looked up (default "/"). */
  root?: string;
  /** How a remote engine's machine is looked at (the probe's image; a test's fake root). */
  remoteProbe?: RemoteSgxHostOptions;
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
  /** Whose SGX platform was checked: this machine, or a remote engine's. */
  machine: string;
  /** Every check spawn needs passed. */
  ready: boolean;
  checks: HostCheck[];
}

async function pccsChecks(source: PccsSource, now: Date): Promise<HostCheck[]> {
  const { client, check } = await resolvePccsClient(source, INTEL_PCCS_TRUST);
  if (!client) return [check!];
  const root = await checkPccsRoot(client, INTEL_PCCS_TRUST);
  return root.crl ? [root.check, await checkPccsCollateralCurrent(client, root.crl, now)] : [root.check];
}

/** A remote engine's machine: its platform, and the PCCS its QCNL file names (or --pccs). */
async function engineMachineChecks(
  request: DoctorRequest,
  engine: DockerEngine,
  now: Date,
): Promise<HostCheck[]> {
  const remote = await checkRemoteSgxHost(engine, request.remoteProbe);
  const found = enginePccsSource(request, remote);
  if ("problem" in found) {
    return [...remote.checks, failed("pccs", "PCCS answers", found.problem, INTEL_PCCS_TRUST.getOne)];
  }
  return [...remote.checks, ...(await pccsChecks(found.source, now))];
}

async function hardwareChecks(request: DoctorRequest, now: Date): Promise<HostCheck[]> {
  const [platform, pccs] = await Promise.all([
    checkSgxHost(sgxHostPaths(request.root)),
    pccsChecks(
      { ...request, qcnlConfigPath: request.qcnlConfigPath ?? sgxHostPaths(request.root).qcnlConfig },
      now,
    ),
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

/** The remote engine whose machine holds the SGX platform, when no root or simulation says otherwise. */
function remoteEngineOf(request: DoctorRequest, engine: DockerEngine | undefined): DockerEngine | undefined {
  if (request.simulation || request.root !== undefined) return undefined;
  if (!engine) {
    // The engine did not answer: where DOCKER_HOST points still says whose platform counts.
    try {
      engine = DockerEngine.fromEnvironment();
    } catch {
      return undefined;
    }
  }
  return isRemoteEngine(engine) ? engine : undefined;
}

/** A remote engine's machine cannot be looked at while its engine does not answer. */
function unreachableMachineChecks(engine: DockerEngine): HostCheck[] {
  return [
    failed(
      "platform.probe",
      `SGX platform of ${engineMachine(engine)}`,
      "not checked: its Docker engine does not answer",
      "start the Docker engine there first",
    ),
  ];
}

export async function runDoctor(request: DoctorRequest = {}): Promise<DoctorReport> {
  const now = request.now ?? new Date();
  const docker = await checkDockerEngine(request.connect ?? (() => connectDocker()));
  const remote = remoteEngineOf(request, docker.engine);
  const platform = await (request.simulation
    ? simulationChecks(request, request.simulation)
    : remote
      ? docker.engine
        ? engineMachineChecks(request, remote, now)
        : unreachableMachineChecks(remote)
      : hardwareChecks(request, now));
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
    machine: remote ? engineMachine(remote) : "this machine",
    ready: blockingFailures(checks).length === 0,
    checks,
  };
}

// What spawn checks before it touches anything: the values of its flags, the host (the SGX platform
// or the simulated one, and the PCCS: the checks doctor runs), the container name and the port.
import { stat } from "node:fs/promises";
import { createServer, isIP } from "node:net";
import type { PccsClient } from "../attestation/pccs.js";
import { listAppContainers } from "../docker/appContainerLookup.js";
import { VOLUME_APP_LABEL } from "../docker/appFilesystem.js";
import { findContainer } from "../docker/container.js";
import { listVolumesByLabel } from "../docker/volumes.js";
import { DockerEngine } from "../docker/engine.js";
import { ContainerNameTakenError, PortUnavailableError } from "../docker/errors.js";
import { appNameProblem, APP_NAME_EXPECTATION } from "../model/appName.js";
import { certificateNamesProblem } from "../model/launchArguments.js";
import { AppUnreachableError, publishedAddress } from "./appEndpoint.js";
import { AppNameHeldError, OperatorInputError } from "./errors.js";
import { blockingFailures, type HostCheck, HostNotReadyError } from "./hostCheck.js";
import { checkPccsRoot, checkPccsServesPlatform, INTEL_PCCS_TRUST } from "./pccsChecks.js";
import { pccsClientFor, type PccsSource } from "./pccsSource.js";
import {
  checkRemoteSgxHost,
  enginePccsSource,
  isRemoteEngine,
  type RemoteSgxHost,
  type RemoteSgxHostOptions,
} from "./remoteSgxHost.js";
import { checkSgxHost, sgxHostPaths } from "./sgxHostChecks.js";
import { checkSimulatedPlatform, type SimulatedPlatformProbe } from "./simulatedHostChecks.js";

/**
 * The smallest enclave for a Node app on SGX hardware (MB): Node expects about 1.7 GB of heap when
 * it starts (Gramine's Node.js example sizes its enclave 2G for that reason).
 */
export const MIN_HARDWARE_ENCLAVE_MB = 2048;

/** Why `sizeMb` cannot be an enclave size, or undefined. Gramine wants a power of two. */
export function enclaveSizeProblem(sizeMb: number, simulation: boolean): string | undefined {
  if (!Number.isSafeInteger(sizeMb) || sizeMb < 1) return "it is not a positive whole number of MB";
  if ((sizeMb & (sizeMb - 1)) !== 0) return "it is not a power of two (e.g. 1024, 2048, 4096)";
  if (!simulation && sizeMb < MIN_HARDWARE_ENCLAVE_MB)
    return `an SGX enclave for a Node app needs at least ${MIN_HARDWARE_ENCLAVE_MB} MB (Node expects about 1.7 GB of heap when it starts)`;
  return undefined;
}

const DNS_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** Why `host` cannot be the certificate's subject alternative name (a DNS name or an IP), or undefined. */
export function hostProblem(host: string): string | undefined {
  if (isIP(host) !== 0) return undefined;
  if (host.length === 0) return "it is empty";
  if (host.length > 253) return "it is longer than 253 characters";
  if (!host.split(".").every((label) => DNS_LABEL.test(label))) {
    return "it is neither an IP address nor a DNS name (letters, digits and hyphens between dots)";
  }
  return undefined;
}

/** Why `address` cannot be where the port is published (an IPv4 or IPv6 address), or undefined. */
export function bindAddressProblem(address: string): string | undefined {
  if (isIP(address) === 0) return "it is not an IPv4 or IPv6 address (e.g. 127.0.0.1, 0.0.0.0, ::1)";
  return undefined;
}

export interface SpawnValues {
  name: string;
  host: string;
  /** Further names of the certificate (--san). */
  extraSans: readonly string[];
  /** The host address the port is published on (--bind). */
  bind: string;
  port: number;
  sizeMb: number;
  days: number;
  timeoutMs: number;
  simulation: boolean;
}

/** Checks the flag values; the first problem becomes an OperatorInputError naming the flag. */
export function checkSpawnValues(values: SpawnValues): void {
  const nameProblem = appNameProblem(values.name);
  if (nameProblem) {
    throw new OperatorInputError(
      `invalid app name ${JSON.stringify(values.name)}: ${nameProblem}; expected ${APP_NAME_EXPECTATION}`,
    );
  }
  const host = hostProblem(values.host);
  if (host) throw new OperatorInputError(`invalid --host ${JSON.stringify(values.host)}: ${host}`);
  for (const san of values.extraSans) {
    const problem = hostProblem(san);
    if (problem) throw new OperatorInputError(`invalid --san ${JSON.stringify(san)}: ${problem}`);
  }
  const names = certificateNamesProblem([values.host, ...values.extraSans]);
  if (names) throw new OperatorInputError(`invalid --san: ${names.replace(/^names/, "it names")}`);
  const bind = bindAddressProblem(values.bind);
  if (bind) throw new OperatorInputError(`invalid --bind ${JSON.stringify(values.bind)}: ${bind}`);
  if (!Number.isInteger(values.port) || values.port < 1 || values.port > 65535) {
    throw new OperatorInputError(`invalid --port ${values.port}: it must be between 1 and 65535`);
  }
  const size = enclaveSizeProblem(values.sizeMb, values.simulation);
  if (size) throw new OperatorInputError(`invalid --size ${values.sizeMb}: ${size}`);
  if (!Number.isInteger(values.days) || values.days < 1) {
    throw new OperatorInputError(
      `invalid --days ${values.days}: it must be a whole number of days, at least 1`,
    );
  }
  if (!(values.timeoutMs > 0))
    throw new OperatorInputError("invalid --timeout: it must be more than 0 minutes");
}

export async function checkPackageFile(file: string): Promise<void> {
  let info;
  try {
    info = await stat(file);
  } catch {
    throw new OperatorInputError(`the package ${file} does not exist`);
  }
  if (!info.isFile()) throw new OperatorInputError(`the package ${file} is not a file`);
}

export interface SpawnHostRequest extends PccsSource {
  /** The simulated platform, in simulation; SGX hardware otherwise. */
  simulation?: SimulatedPlatformProbe;
  /** Where the SGX platform's /proc, /dev, /var/run and /etc are looked up (default "/"). */
  hostRoot?: string;
  /** The engine spawn uses (default: the one DOCKER_HOST names); a remote one's machine is checked. */
  engine?: DockerEngine;
  /** How a remote engine's machine is looked at (the probe's image; a test's fake root). */
  remoteProbe?: RemoteSgxHostOptions;
}

/** The engine to check the machine of, when it is remote and no host root was given. */
function remoteEngineOf(request: SpawnHostRequest): DockerEngine | undefined {
  if (request.simulation || request.hostRoot !== undefined) return undefined;
  const engine = request.engine ?? DockerEngine.fromEnvironment();
  return isRemoteEngine(engine) ? engine : undefined;
}

/**
 * Doctor's platform and PCCS checks, every one required: the SGX platform (CPU, devices, aesmd,
 * QCNL) or the simulated one, and a PCCS answering with the root CA CRL of the mode's root (and,
 * in simulation, serving the platform). Returns the PCCS client spawn collects the evidence with.
 */
export async function checkSpawnHost(request: SpawnHostRequest): Promise<PccsClient> {
  const simulation = request.simulation;
  const checks: HostCheck[] = [];
  let fmspc: string | undefined;
  const remoteEngine = remoteEngineOf(request);
  let remote: RemoteSgxHost | undefined;
  if (remoteEngine) {
    remote = await checkRemoteSgxHost(remoteEngine, request.remoteProbe);
    checks.push(...remote.checks);
  } else if (simulation) {
    const platform = await checkSimulatedPlatform(simulation);
    checks.push(platform.check);
    fmspc = platform.fmspc;
  } else {
    checks.push(...(await checkSgxHost(sgxHostPaths(request.hostRoot))));
  }
  const refuse = (failures: HostCheck[]) =>
    simulation
      ? new HostNotReadyError(
          failures,
          "the simulated SGX platform is not ready",
          "msehome doctor --simulation",
        )
      : new HostNotReadyError(
          failures,
          `${remote?.machine ?? "this machine"} is not ready to run SGX enclaves`,
          "msehome doctor",
          "without SGX hardware, spawn with --simulation",
        );
  if (blockingFailures(checks).length > 0) throw refuse(blockingFailures(checks));

  // On hardware, the PCCS defaults to the host's QCNL file, which the checks above just read (a
  // remote engine's: the one its machine's quote library uses).
  let source: PccsSource = request;
  if (remote) {
    const found = enginePccsSource(request, remote);
    if ("problem" in found)
      throw new OperatorInputError(`no PCCS to fetch the collateral from: ${found.problem}`);
    source = found.source;
  } else if (!simulation && request.qcnlConfigPath === undefined) {
    source = { ...request, qcnlConfigPath: sgxHostPaths(request.hostRoot).qcnlConfig };
  }
  const pccs = await pccsClientFor(source);
  const trust = simulation?.pccsTrust ?? INTEL_PCCS_TRUST;
  const root = await checkPccsRoot(pccs, trust);
  const served =
    simulation && root.crl && fmspc
      ? [await checkPccsServesPlatform(pccs, fmspc, simulation.platformDir)]
      : [];
  const failures = blockingFailures([root.check, ...served]);
  if (failures.length > 0) throw refuse(failures);
  return pccs;
}

/** Refuses to publish the app where this machine could not reach it (a tcp:// engine's loopback). */
export function checkReachable(engine: DockerEngine, hostIp: string): void {
  if (isIP(hostIp) === 0) throw new OperatorInputError(`--bind ${hostIp} is not an IP address`);
  try {
    publishedAddress(engine.reach, hostIp);
  } catch (error) {
    if (error instanceof AppUnreachableError)
      throw new OperatorInputError(`--bind ${hostIp}: ${error.message}`);
    throw error;
  }
}

/**
 * Refuses a name any container on the engine already has (apps or not). An msehome app of that
 * name (a spawn that failed to finish, or was killed, leaves one) is named with the command that
 * removes it.
 */
export async function checkNameFree(engine: DockerEngine, name: string): Promise<void> {
  const existing = await findContainer(engine, name);
  if (!existing || existing.name !== name) {
    // A spawn killed before its container existed leaves the volumes it filled, and nothing else.
    const volumes = await listVolumesByLabel(engine, { [VOLUME_APP_LABEL]: name });
    if (volumes.length > 0) {
      throw new AppNameHeldError(
        `volumes of an unfinished spawn of "${name}" remain (${volumes.join(", ")}); remove them with "docker volume rm ${volumes.join(" ")}", or choose another name`,
      );
    }
    return;
  }
  if (existing.labels.msehome === "1") {
    throw new AppNameHeldError(
      `an msehome app named "${name}" already exists (its container is ${existing.status}); remove it with "msehome stop ${name} --remove", or choose another name`,
    );
  }
  throw new ContainerNameTakenError(name);
}

/** Binds and releases the port: anything listening there (Docker's proxy included) makes it fail. */
function probeListen(hostIp: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") return resolve("something listens there");
      // A privileged port msehome itself may not bind: the engine (root) will say whether it is free.
      if (error.code === "EACCES") return resolve(undefined);
      if (error.code === "EADDRNOTAVAIL")
        return resolve("no network interface of this machine has that address");
      resolve(error.code ?? error.message);
    });
    server.listen({ host: hostIp, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/**
 * Refuses a port another msehome app was given (even a stopped one would collide when restarted)
 * or that something on this machine listens on.
 */
export async function checkPortFree(engine: DockerEngine, hostIp: string, port: number): Promise<void> {
  const apps = await listAppContainers(engine);
  const holder = apps.find((app) => app.labels.port === port);
  if (holder) {
    throw new PortUnavailableError(
      hostIp,
      port,
      `the msehome app "${holder.name}" (${holder.running ? "running" : "stopped"}) has it`,
    );
  }
  // Only a local engine's ports are this machine's; a remote engine refuses a taken port itself.
  const busy = engine.reach.kind === "local" ? await probeListen(hostIp, port) : undefined;
  if (busy) throw new PortUnavailableError(hostIp, port, busy);
}

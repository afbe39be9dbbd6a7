// The SGX platform checks of a remote engine's machine: spawn's app container gets that machine's
// CPU, devices, aesmd and QCNL file, so the facts are gathered there, in a short-lived container of
// the SGX base image (the same gatherer as for this machine, see sgxHostFacts), and judged here by
// the same rules (sgxHostChecks). The container sees the machine's /dev, /etc and /var/run read-only
// under PROBE_ROOT, and its own /proc, which is the machine's kernel's.
import path from "node:path";
import { z } from "zod";
import { parseQcnlConfig } from "../attestation/qcnl.js";
import type { DockerEngine } from "../docker/engine.js";
import { inspectImage } from "../docker/images.js";
import { runOneShotContainer } from "../docker/oneShotContainer.js";
import { SGX_BASE_IMAGE } from "../model/baseImage.js";
import type { PccsSource } from "../model/pccsSource.js";
import { failed, type HostCheck } from "./hostCheck.js";
import { sgxHostChecks, sgxHostPaths, type SgxHostPaths } from "./sgxHostChecks.js";
import { sgxFactsProgram, type SgxHostFacts } from "./sgxHostFacts.js";

/** Where the probe container sees the engine machine's directories. */
export const PROBE_ROOT = "/run/msehome-engine-host";
/** Label on the probe containers (one-shot containers, removed when they exit). */
export const PROBE_LABEL = "msehome.sgx-probe";
const PROBE_TIMEOUT_MS = 60_000;
const PROBE_MAX_OUTPUT = 256 * 1024;

export interface RemoteSgxHostOptions {
  /** The image the probe runs (default: the SGX base image, which spawn needs there anyway). */
  image?: string;
  /** The engine machine's directory /proc, /dev, /etc and /var/run are looked up under (default "/"). */
  engineRoot?: string;
}

export interface RemoteSgxHost {
  /** How messages name the machine. */
  machine: string;
  /** The machine's paths as messages name them. */
  paths: SgxHostPaths;
  checks: HostCheck[];
  /** The facts, when the probe ran. */
  facts?: SgxHostFacts;
}

/** An engine on another machine: the SGX platform spawn uses is that machine's. */
export function isRemoteEngine(engine: DockerEngine): boolean {
  return engine.reach.kind !== "local";
}

export function engineMachine(engine: DockerEngine): string {
  return `the Docker engine's machine (${engine.address})`;
}

const fileFact = z.union([
  z.object({ text: z.string() }),
  z.object({ code: z.string().optional(), message: z.string() }),
]);
const deviceFact = z.object({
  kind: z.enum(["character", "other", "missing", "error"]),
  message: z.string().optional(),
  open: z.string().optional(),
});
const factsSchema = z.object({
  cpuinfo: fileFact,
  kernelRelease: fileFact,
  enclaveDevice: deviceFact,
  provisionDevice: deviceFact,
  legacyDevicePresent: z.boolean(),
  aesmd: z.object({ code: z.string(), message: z.string() }),
  qcnl: fileFact,
});

/** The probe's one line of JSON as facts; throws a sentence naming what is wrong. */
export function parseSgxFacts(output: string): SgxHostFacts {
  let value: unknown;
  try {
    value = JSON.parse(output.trim());
  } catch {
    throw new Error("its report is not JSON");
  }
  const parsed = factsSchema.safeParse(value);
  if (!parsed.success) throw new Error("its report does not have the expected fields");
  return parsed.data as SgxHostFacts;
}

function probeFailure(machine: string, detail: string, fix: string): HostCheck {
  return failed("platform.probe", `SGX platform of ${machine}`, detail, fix);
}

/** Gathers the facts on the engine's machine and judges them; a probe that cannot run is one failed check. */
export async function checkRemoteSgxHost(
  engine: DockerEngine,
  options: RemoteSgxHostOptions = {},
): Promise<RemoteSgxHost> {
  const machine = engineMachine(engine);
  const engineRoot = options.engineRoot ?? "/";
  const paths = { ...sgxHostPaths(engineRoot), machine };
  const image = options.image ?? SGX_BASE_IMAGE;
  const on = (dir: string) => path.posix.join(engineRoot, dir);
  const inProbe = (dir: string) => path.posix.join(PROBE_ROOT, dir);
  // The container's /proc is the engine machine's kernel's; a test's fake root brings its own.
  const ownProc = engineRoot === "/";
  const probePaths = {
    ...sgxHostPaths(PROBE_ROOT),
    ...(ownProc ? { cpuinfo: "/proc/cpuinfo", kernelRelease: "/proc/sys/kernel/osrelease" } : {}),
  };
  if (!(await inspectImage(engine, image))) {
    return {
      machine,
      paths,
      checks: [
        probeFailure(
          machine,
          `cannot look at it: ${image} is not on the engine, and the check runs in a container of it`,
          `load it there (docker save ${image} | DOCKER_HOST=${engine.address} docker load), or build it on that machine with scripts/build-base-image.sh --sgx`,
        ),
      ],
    };
  }
  const dirs = ["dev", "etc", "var/run", ...(ownProc ? [] : ["proc"])];
  let facts: SgxHostFacts;
  try {
    const result = await runOneShotContainer(engine, {
      image,
      entrypoint: ["node", "-e", sgxFactsProgram()],
      command: [JSON.stringify(probePaths)],
      mounts: dirs.map((dir) => ({ source: on(dir), target: inProbe(dir), readOnly: true })),
      readOnlyRootfs: true,
      labels: { [PROBE_LABEL]: "1" },
      timeoutMs: PROBE_TIMEOUT_MS,
      maxOutputBytes: PROBE_MAX_OUTPUT,
    });
    if (result.exitCode !== 0) {
      const said = result.stderr.trim().split("\n")[0];
      throw new Error(`it exited with code ${result.exitCode}${said ? ` (${said})` : ""}`);
    }
    facts = parseSgxFacts(result.stdout);
  } catch (error) {
    return {
      machine,
      paths,
      checks: [
        probeFailure(
          machine,
          `the container that looks at it failed: ${(error as Error).message.replace(/[.]$/, "")}`,
          `check that ${image} runs on ${engine.address} (docker run --rm --entrypoint node ${image} --version)`,
        ),
      ],
    };
  }
  return { machine, paths, checks: sgxHostChecks(paths, facts), facts };
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

/**
 * The PCCS msehome fetches the collateral from when the engine is remote: --pccs if given, else the
 * one the engine machine's QCNL file names (the one its quote library uses), which must not be that
 * machine's loopback. Returns the source, or why there is none.
 */
export function enginePccsSource(
  request: PccsSource,
  remote: RemoteSgxHost,
): { source: PccsSource } | { problem: string } {
  if (request.pccsUrl !== undefined || request.qcnlConfigPath !== undefined) return { source: request };
  const file = `${remote.paths.qcnlConfig} on ${remote.machine}`;
  const qcnl = remote.facts?.qcnl;
  if (!qcnl || !("text" in qcnl)) return { problem: `--pccs was not given and ${file} cannot be read` };
  let config;
  try {
    config = parseQcnlConfig(qcnl.text, file);
  } catch (error) {
    return { problem: (error as Error).message };
  }
  if (!config.pccsUrl) return { problem: `--pccs was not given and ${file} has no pccs_url` };
  let host: string;
  try {
    host = new URL(config.pccsUrl).hostname;
  } catch {
    return { problem: `${file} names ${JSON.stringify(config.pccsUrl)}, which is not a URL` };
  }
  if (LOOPBACK.test(host)) {
    return {
      problem: `--pccs was not given and ${file} names ${config.pccsUrl}, that machine's own loopback, which this machine cannot reach: give --pccs with an address of that PCCS this machine reaches`,
    };
  }
  return {
    source: {
      ...request,
      pccsUrl: config.pccsUrl,
      pccsInsecureTls: request.pccsInsecureTls === true || !config.useSecureCert,
    },
  };
}

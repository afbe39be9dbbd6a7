// The SGX platform checks of a remote engine's machine, against the suite's engine treated as
// remote: the probe container reads a fake root on the engine's side (CPU flags this machine does
// not have, device nodes, an aesmd socket the test serves, a QCNL file), so every fact the checks
// report can only have come from inside the container.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { rename, symlink } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { recordedPccsHandler } from "../../src/attestation/testing/recordedPccs.js";
import { DockerEngine, endpointFromEnvironment } from "../../src/docker/engine.js";
import { runDoctor } from "../../src/operator/doctor.js";
import { OperatorInputError } from "../../src/operator/errors.js";
import { HostNotReadyError } from "../../src/operator/hostCheck.js";
import { checkRemoteSgxHost, PROBE_LABEL, PROBE_ROOT } from "../../src/operator/remoteSgxHost.js";
import { checkSpawnHost } from "../../src/operator/spawnChecks.js";
import { ensureBaseImage, SIMULATION_BASE_IMAGE } from "../support/baseImage.js";
import { describeDocker } from "../support/docker.js";
import { fakeSgxHost, SGX_CPU_FLAGS } from "../support/fakeSgxHost.js";
import { tempDirPerTest } from "../support/tempDir.js";

/** The suite's engine, as if it ran on another machine reached over TCP. */
function engineAsRemote(): DockerEngine {
  return new DockerEngine({ ...endpointFromEnvironment(), reach: { kind: "tcp", host: "127.0.0.1" } });
}

const ids = (checks: { id: string; ok: boolean }[]) => checks.map((check) => [check.id, check.ok]);

describeDocker("SGX checks of a remote engine's machine", () => {
  const dir = tempDirPerTest("engine-machine");
  const probe = (engineRoot: string) => ({ image: SIMULATION_BASE_IMAGE, engineRoot });
  let pccs: Server;
  let pccsUrl: string;

  beforeAll(async () => {
    await ensureBaseImage();
    pccs = createServer(recordedPccsHandler(4));
    await new Promise<void>((resolve) => pccs.listen(0, "127.0.0.1", resolve));
    pccsUrl = `http://127.0.0.1:${(pccs.address() as AddressInfo).port}`;
  }, 240_000);

  afterAll(async () => {
    await new Promise((resolve) => pccs?.close(resolve));
  });

  it("reads the platform inside a container on the engine's side", async () => {
    const host = await fakeSgxHost(dir(), { kernelRelease: "6.1.0-engine" });
    // The CPU flags sit behind a link that only resolves where the probe sees the root mounted.
    await rename(path.join(host.root, "proc/cpuinfo"), path.join(host.root, "etc/engine-cpuinfo"));
    await symlink(path.posix.join(PROBE_ROOT, "etc/engine-cpuinfo"), path.join(host.root, "proc/cpuinfo"));
    try {
      const engine = engineAsRemote();
      const remote = await checkRemoteSgxHost(engine, probe(host.root));
      expect(ids(remote.checks)).toEqual([
        ["cpu.sgx", true],
        ["cpu.flc", true],
        ["device.enclave", true],
        ["device.provision", true],
        ["aesmd", true],
        ["qcnl", true],
      ]);
      expect(remote.machine).toBe(`the Docker engine's machine (${engine.address})`);
      // The kernel release is the fake root's, and the socket's path is the engine machine's.
      expect(remote.facts?.kernelRelease).toEqual({ text: "6.1.0-engine\n" });
      expect(remote.checks.find((check) => check.id === "aesmd")!.detail).toBe(
        `aesmd accepts connections on ${host.aesmdSocket}`,
      );
      const leftovers = await engine.api.listContainers({ all: true, filters: { label: [PROBE_LABEL] } });
      expect(leftovers).toEqual([]);
    } finally {
      await host.close();
    }
  }, 60_000);

  it("lets spawn refuse a machine without flexible launch control or aesmd, naming the engine", async () => {
    const flags = SGX_CPU_FLAGS.filter((flag) => flag !== "sgx_lc");
    const host = await fakeSgxHost(dir(), { cpuFlags: flags, aesmd: false });
    try {
      const engine = engineAsRemote();
      const refused = checkSpawnHost({ engine, remoteProbe: probe(host.root), pccsUrl });
      await expect(refused).rejects.toBeInstanceOf(HostNotReadyError);
      await expect(refused).rejects.toThrow(
        `the Docker engine's machine (${engine.address}) is not ready to run SGX enclaves: the CPU reports no sgx_lc flag in ${host.root}/proc/cpuinfo; there is no aesmd socket at ${host.aesmdSocket}; msehome doctor prints the fix of each`,
      );
    } finally {
      await host.close();
    }
  }, 60_000);

  it("lets spawn refuse the engine machine's loopback PCCS, and accept --pccs instead", async () => {
    const host = await fakeSgxHost(dir());
    try {
      const engine = engineAsRemote();
      await expect(checkSpawnHost({ engine, remoteProbe: probe(host.root) })).rejects.toThrow(
        OperatorInputError,
      );
      await expect(checkSpawnHost({ engine, remoteProbe: probe(host.root) })).rejects.toThrow(
        /names https:\/\/localhost:8081\/sgx\/certification\/v4\/, that machine's own loopback/,
      );
      const client = await checkSpawnHost({ engine, remoteProbe: probe(host.root), pccsUrl });
      expect(client).toBeDefined();
    } finally {
      await host.close();
    }
  }, 60_000);

  it("makes doctor check and name the engine's machine", async () => {
    const host = await fakeSgxHost(dir(), { devices: false });
    try {
      const engine = engineAsRemote();
      const report = await runDoctor({
        connect: async () => engine,
        remoteProbe: probe(host.root),
        pccsUrl,
        workDir: dir(),
      });
      expect(report.machine).toBe(`the Docker engine's machine (${engine.address})`);
      expect(report.ready).toBe(false);
      expect(ids(report.checks).slice(0, 7)).toEqual([
        ["cpu.sgx", true],
        ["cpu.flc", true],
        ["device.enclave", false],
        ["device.provision", false],
        ["aesmd", true],
        ["qcnl", true],
        ["pccs", true],
      ]);
      expect(report.checks.find((check) => check.id === "device.enclave")!.detail).toBe(
        `${host.root}/dev/sgx_enclave does not exist`,
      );
    } finally {
      await host.close();
    }
  }, 60_000);

  it("says so when the probe's image is not on the engine", async () => {
    const engine = engineAsRemote();
    const remote = await checkRemoteSgxHost(engine, { image: "msehome/no-such-image:0", engineRoot: dir() });
    expect(ids(remote.checks)).toEqual([["platform.probe", false]]);
    expect(remote.checks[0]!.detail).toBe(
      "cannot look at it: msehome/no-such-image:0 is not on the engine, and the check runs in a container of it",
    );
  });

  it("turns a probe the engine cannot start into one failed check", async () => {
    // An engine root without /dev, /etc or /var/run: the engine refuses the mounts.
    const remote = await checkRemoteSgxHost(engineAsRemote(), probe(dir()));
    expect(ids(remote.checks)).toEqual([["platform.probe", false]]);
    expect(remote.checks[0]!.detail).toMatch(/^the container that looks at it failed: \S/);
    expect(remote.checks[0]!.fix).toBe(
      `check that ${SIMULATION_BASE_IMAGE} runs on ${engineAsRemote().address} (docker run --rm --entrypoint node ${SIMULATION_BASE_IMAGE} --version)`,
    );
  });
});

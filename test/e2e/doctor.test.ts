// `msehome doctor` as an operator runs it, pointed at fake SGX hosts (--root: a fake /proc/cpuinfo,
// device nodes, an aesmd socket the test serves, a QCNL file), a PCCS replaying Intel's collateral
// or the simulated one, and the test suite's Docker engine.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { recordedPccsHandler } from "../../src/attestation/testing/recordedPccs.js";
import { startPccsServer } from "../../src/simulation/pccsServer.js";
import { initPlatform } from "../../src/simulation/platform.js";
import { ensureBaseImage, SIMULATION_BASE_IMAGE } from "../support/baseImage.js";
import { type CliRun, runCli } from "../support/cli.js";
import { describeDocker } from "../support/docker.js";
import { fakeSgxHost, SGX_CPU_FLAGS } from "../support/fakeSgxHost.js";
import { tempDirPerTest } from "../support/tempDir.js";
import { freePort } from "../support/unique.js";

interface JsonCheck {
  id: string;
  title: string;
  ok: boolean;
  detail: string;
  fix?: string;
  neededBySpawn: boolean;
}

const lineOf = (run: CliRun, title: string): string =>
  run.stdout.split("\n").find((line) => line.slice(2).startsWith(title)) ?? `(no line for ${title})`;

describeDocker("msehome doctor", () => {
  const dir = tempDirPerTest("doctor");
  let intelPccs: Server;
  let intelPccsUrl: string;

  beforeAll(async () => {
    await ensureBaseImage();
    intelPccs = createServer(recordedPccsHandler(4));
    await new Promise<void>((resolve) => intelPccs.listen(0, "127.0.0.1", resolve));
    intelPccsUrl = `http://127.0.0.1:${(intelPccs.address() as AddressInfo).port}`;
  }, 240_000);

  afterAll(async () => {
    await new Promise((resolve) => intelPccs?.close(resolve));
  });

  it("passes an SGX host whose PCCS comes from its QCNL file, and names the stale collateral", async () => {
    const host = await fakeSgxHost(dir(), {
      qcnl: `{\n  // the platform's PCCS\n  "pccs_url": "${intelPccsUrl}/sgx/certification/v4/",\n  "use_secure_cert": true\n}\n`,
    });
    try {
      const run = await runCli(["doctor", "--root", host.root], { cwd: dir() });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toBe("");
      const lines = run.stdout.trim().split("\n");
      expect(lines[0]).toMatch(
        /^msehome \d+\.\d+\.\d+ doctor: can this machine spawn enclaves on SGX hardware\?$/,
      );
      expect(lines.slice(1, 8).map((line) => line.slice(0, 2))).toEqual(Array(7).fill("✓ "));
      expect(lineOf(run, "CPU supports SGX")).toBe(
        `✓ CPU supports SGX: the sgx flag is in ${host.root}/proc/cpuinfo`,
      );
      expect(lineOf(run, "AESM service answers")).toBe(
        `✓ AESM service answers: aesmd accepts connections on ${host.aesmdSocket}`,
      );
      expect(lineOf(run, "PCCS answers")).toBe(
        `✓ PCCS answers: ${intelPccsUrl} serves a root CA CRL signed by the Intel SGX Root CA`,
      );
      // The vector's collateral is from 2023: the provider's verify would reject it, spawn would not.
      expect(lineOf(run, "PCCS collateral is current")).toMatch(
        /^✗ PCCS collateral is current \(spawn does not need it\): the root CA CRL expired on 2024-04-02T10:22:51\.000Z; the QE identity expired on 2023-07-20T00:24:02\.000Z — fix: the PCCS's cache is stale/,
      );
      expect(lineOf(run, "Docker engine answers")).toMatch(
        /^✓ Docker engine answers: Docker Engine \S+ \(API [\d.]+\) at /,
      );
      expect(lineOf(run, "SGX base image")).toMatch(
        /^(✓ SGX base image: |✗ SGX base image \(spawn does not need it\): .* — fix: .*scripts\/build-base-image\.sh --sgx)/,
      );
      expect(lineOf(run, "Free disk for packages")).toMatch(/^✓ Free disk for packages: [\d.]+ GiB free in /);
      expect(lines.at(-1)).toMatch(
        /^Ready: spawn can run enclaves here on SGX hardware \(\d checks? spawn does not need failed\)\.$/,
      );
    } finally {
      await host.close();
    }
  }, 60_000);

  it("fails a host without flexible launch control, devices and aesmd, with each fix, and exits 1", async () => {
    const host = await fakeSgxHost(dir(), {
      cpuFlags: SGX_CPU_FLAGS.filter((flag) => flag !== "sgx_lc"),
      devices: false,
      aesmd: false,
      kernelRelease: "5.4.0-150-generic",
    });
    const run = await runCli(["doctor", "--root", host.root, "--pccs", intelPccsUrl], { cwd: dir() });
    expect(run.code).toBe(1);
    expect(lineOf(run, "CPU supports SGX")).toMatch(/^✓ /);
    expect(lineOf(run, "Flexible launch control")).toMatch(
      /^✗ Flexible launch control: the CPU reports no sgx_lc flag in .* — fix: set the BIOS "SGX Launch Control Policy" to Unlocked/,
    );
    expect(lineOf(run, "SGX enclave device")).toMatch(
      /^✗ SGX enclave device: .*\/dev\/sgx_enclave does not exist — fix: use Linux 5\.11 or later \(this machine runs 5\.4\.0-150-generic\)/,
    );
    expect(lineOf(run, "AESM service answers")).toMatch(
      /^✗ AESM service answers: there is no aesmd socket at .* — fix: install Intel's AESM service/,
    );
    expect(run.stdout.trim().split("\n").at(-1)).toBe("Not ready: 4 checks spawn needs failed.");
    expect(run.stderr).toBe(
      'error: this machine cannot spawn enclaves on SGX hardware yet: "Flexible launch control", "SGX enclave device", "SGX provisioning device", "AESM service answers" failed; each fix is on its check\'s line above.\n',
    );

    const json = await runCli(["doctor", "--root", host.root, "--pccs", intelPccsUrl, "--json"], {
      cwd: dir(),
    });
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { mode: string; ready: boolean; checks: JsonCheck[] };
    expect(report).toMatchObject({ mode: "sgx", ready: false });
    expect(report.checks.map((check) => check.id)).toEqual([
      "cpu.sgx",
      "cpu.flc",
      "device.enclave",
      "device.provision",
      "aesmd",
      "qcnl",
      "pccs",
      "pccs.collateral",
      "docker",
      "image.sgx",
      "disk",
    ]);
    expect(
      report.checks.filter((check) => !check.ok && check.neededBySpawn).map((check) => check.id),
    ).toEqual(["cpu.flc", "device.enclave", "device.provision", "aesmd"]);
    expect(report.checks.every((check) => check.ok || (check.fix ?? "").length > 0)).toBe(true);
  }, 60_000);

  it("catches a simulated PCCS named on an SGX host", async () => {
    const platformDir = path.join(dir(), "platform");
    await initPlatform(platformDir);
    const pccs = await startPccsServer({ port: 0, platformDir, tls: false });
    const host = await fakeSgxHost(path.join(dir(), "host"));
    try {
      const run = await runCli(["doctor", "--root", host.root, "--pccs", pccs.url], { cwd: dir() });
      expect(run.code).toBe(1);
      expect(lineOf(run, "PCCS answers")).toMatch(
        /^✗ PCCS answers: the root CA CRL http:\/\/127\.0\.0\.1:\d+ serves is not signed by the Intel SGX Root CA \(its issuer is "msehome simulation .*"\) — fix: an SGX host needs a PCCS that caches Intel's collateral/,
      );
      expect(run.stderr).toMatch(/"PCCS answers" failed/);
    } finally {
      await host.close();
      await pccs.close();
    }
  }, 60_000);

  it("with --simulation, checks the simulated platform, its PCCS and the simulation base image", async () => {
    const platformDir = path.join(dir(), "platform");
    await initPlatform(platformDir, { tcb: "sw-hardening-needed" });
    const pccs = await startPccsServer({ port: 0, platformDir, tls: true });
    try {
      const run = await runCli(
        [
          "doctor",
          "--simulation",
          "--platform",
          platformDir,
          "--pccs",
          pccs.url,
          "--pccs-insecure-tls",
          "--json",
        ],
        { cwd: dir() },
      );
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as { mode: string; ready: boolean; checks: JsonCheck[] };
      expect(report).toMatchObject({ mode: "simulation", ready: true });
      expect(report.checks.map((check) => [check.id, check.ok])).toEqual([
        ["platform", true],
        ["pccs", true],
        ["pccs.platform", true],
        ["docker", true],
        ["image.simulation", true],
        ["disk", true],
      ]);
      expect(report.checks[0]!.detail).toBe(
        `${platformDir} holds a simulated platform (TCB state sw-hardening-needed, FMSPC 53494D000000)`,
      );
      expect(report.checks[1]!.detail).toBe(
        `${pccs.url} serves a root CA CRL signed by the msehome simulation root CA`,
      );
      expect(report.checks[4]!.detail).toMatch(new RegExp(`^${SIMULATION_BASE_IMAGE} \\(`));
    } finally {
      await pccs.close();
    }
  }, 60_000);

  it("with --simulation, names the missing platform and the PCCS that does not answer, and how to start them", async () => {
    const platformDir = path.join(dir(), "nowhere");
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await runCli(["doctor", "--simulation", "--platform", platformDir, "--pccs", closed], {
      cwd: dir(),
    });
    expect(run.code).toBe(1);
    expect(lineOf(run, "Simulated SGX platform")).toBe(
      `✗ Simulated SGX platform: no simulated SGX platform at ${platformDir} — fix: create it, or reset a broken one: msehome sim init --dir ${platformDir}`,
    );
    expect(lineOf(run, "PCCS answers")).toMatch(
      new RegExp(
        `^✗ PCCS answers: PCCS request ${closed}/sgx/certification/v4/rootcacrl failed: .*ECONNREFUSED.* — fix: start the PCCS or correct its URL; a simulated platform needs msehome's simulated PCCS: start it with msehome sim pccs --dir ${platformDir} and pass its URL with --pccs$`,
      ),
    );
    expect(run.stderr).toBe(
      'error: this machine cannot spawn enclaves on the simulated SGX platform yet: "Simulated SGX platform", "PCCS answers" failed; each fix is on its check\'s line above.\n',
    );
  }, 60_000);

  it("refuses --platform without --simulation and --root with it, as usage errors", async () => {
    const platform = await runCli(["doctor", "--platform", dir()]);
    expect(platform.code).toBe(2);
    expect(platform.stderr).toBe("error: --platform names a simulated platform: it needs --simulation.\n");
    const root = await runCli(["doctor", "--simulation", "--root", dir()]);
    expect(root.code).toBe(2);
    expect(root.stderr).toBe(
      "error: --root names an SGX host's file system; --simulation checks no SGX hardware.\n",
    );
  });
});

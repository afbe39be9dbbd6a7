// The SGX platform checks against fake hosts: each thing spawn needs, present or missing, gives a
// check that says what was found and, when it failed, the concrete fix.
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fakeSgxHost, SGX_CPU_FLAGS } from "../../test/support/fakeSgxHost.js";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import type { HostCheck } from "./hostCheck.js";
import {
  checkAesmd,
  checkCpu,
  checkDevices,
  checkQcnl,
  checkSgxHost,
  sgxHostPaths,
} from "./sgxHostChecks.js";

const dir = tempDirPerTest("sgx-host");

const byId = (checks: HostCheck[], id: string): HostCheck => checks.find((check) => check.id === id)!;

describe("SGX host checks", () => {
  it("pass on a host with SGX, flexible launch control, the devices, aesmd and a QCNL file", async () => {
    const host = await fakeSgxHost(dir());
    try {
      const checks = await checkSgxHost(sgxHostPaths(host.root));
      expect(checks.map((check) => [check.id, check.ok, check.neededBySpawn])).toEqual([
        ["cpu.sgx", true, true],
        ["cpu.flc", true, true],
        ["device.enclave", true, true],
        ["device.provision", true, true],
        ["aesmd", true, true],
        ["qcnl", true, true],
      ]);
      expect(byId(checks, "aesmd").detail).toBe(`aesmd accepts connections on ${host.aesmdSocket}`);
      expect(byId(checks, "device.enclave").detail).toBe(
        `${path.join(host.root, "dev/sgx_enclave")} is present and opens`,
      );
      expect(byId(checks, "qcnl").detail).toMatch(
        /names the PCCS https:\/\/localhost:8081\/sgx\/certification\/v4\/ \(its TLS certificate is not checked: use_secure_cert false\)$/,
      );
      expect(checks.every((check) => check.fix === undefined)).toBe(true);
    } finally {
      await host.close();
    }
  });

  it("name the BIOS setting when the CPU reports no sgx or no sgx_lc flag", async () => {
    const host = await fakeSgxHost(dir(), {
      cpuFlags: SGX_CPU_FLAGS.filter((flag) => flag !== "sgx_lc"),
      aesmd: false,
    });
    const [sgx, flc] = await checkCpu(sgxHostPaths(host.root));
    expect(sgx!.ok).toBe(true);
    expect(flc).toMatchObject({ ok: false, neededBySpawn: true });
    expect(flc!.detail).toBe(`the CPU reports no sgx_lc flag in ${path.join(host.root, "proc/cpuinfo")}`);
    expect(flc!.fix).toMatch(/"SGX Launch Control Policy" to Unlocked/);

    await writeFile(path.join(host.root, "proc/cpuinfo"), "processor\t: 0\nflags\t\t: fpu vme sse\n");
    const [noSgx] = await checkCpu(sgxHostPaths(host.root));
    expect(noSgx).toMatchObject({ ok: false, id: "cpu.sgx" });
    expect(noSgx!.fix).toMatch(/enable SGX in the BIOS\/UEFI setup/);
  });

  it("say the CPU flags cannot be read without /proc/cpuinfo", async () => {
    const checks = await checkCpu(sgxHostPaths(dir()));
    expect(checks.map((check) => check.ok)).toEqual([false, false]);
    expect(checks[0]!.detail).toMatch(/^cannot read the CPU flags: ENOENT/);
  });

  it("point at the in-kernel driver when a device is missing, naming the kernel and a legacy driver", async () => {
    const host = await fakeSgxHost(dir(), {
      devices: false,
      aesmd: false,
      kernelRelease: "5.4.0-150-generic",
    });
    const [enclave, provision] = await checkDevices(sgxHostPaths(host.root));
    expect(enclave).toMatchObject({
      ok: false,
      detail: `${path.join(host.root, "dev/sgx_enclave")} does not exist`,
    });
    expect(enclave!.fix).toMatch(/^use Linux 5\.11 or later \(this machine runs 5\.4\.0-150-generic\)/);
    expect(provision!.detail).toBe(`${path.join(host.root, "dev/sgx_provision")} does not exist`);

    await symlink("/dev/null", path.join(host.root, "dev/isgx"));
    const [legacy] = await checkDevices(sgxHostPaths(host.root));
    expect(legacy!.detail).toMatch(/only .*dev\/isgx, Intel's out-of-tree EPID driver, is there/);
    expect(legacy!.fix).toMatch(/^remove the out-of-tree isgx driver/);
  });

  it("refuse a device path that is not a character device", async () => {
    const host = await fakeSgxHost(dir(), { devices: false, aesmd: false });
    await writeFile(path.join(host.root, "dev/sgx_enclave"), "");
    const [enclave] = await checkDevices(sgxHostPaths(host.root));
    expect(enclave).toMatchObject({ ok: false });
    expect(enclave!.detail).toMatch(/sgx_enclave is not a character device$/);
  });

  it("connect to aesmd's socket: missing, refused or answering", async () => {
    const root = dir();
    const paths = sgxHostPaths(root);
    const missing = await checkAesmd(paths);
    expect(missing).toMatchObject({ ok: false, detail: `there is no aesmd socket at ${paths.aesmdSocket}` });
    expect(missing.fix).toMatch(/sgx-aesm-service, libsgx-aesm-ecdsa-plugin, libsgx-aesm-quote-ex-plugin/);
    expect(missing.fix).toMatch(/sudo systemctl enable --now aesmd$/);

    await mkdir(path.dirname(paths.aesmdSocket), { recursive: true });
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(paths.aesmdSocket, resolve));
    expect((await checkAesmd(paths)).ok).toBe(true);
    await new Promise((resolve) => server.close(resolve));
    // What a killed aesmd leaves: a file where the socket was, and nobody listening.
    await writeFile(paths.aesmdSocket, "");
    const refused = await checkAesmd(paths);
    expect(refused).toMatchObject({ ok: false });
    expect(refused.detail).toMatch(/nothing accepts connections on .*aesm\.socket \(aesmd is not running\)/);
    expect(refused.fix).toMatch(/sudo systemctl restart aesmd/);
  });

  it("read the QCNL file in both formats and say what is wrong with it", async () => {
    const root = dir();
    const paths = sgxHostPaths(root);
    const missing = await checkQcnl(paths);
    expect(missing).toMatchObject({ ok: false, detail: `${paths.qcnlConfig} does not exist` });
    expect(missing.fix).toMatch(/^install libsgx-dcap-default-qpl/);

    await mkdir(path.dirname(paths.qcnlConfig), { recursive: true });
    await writeFile(paths.qcnlConfig, '{ "pccs_url": "https://pccs:8081/sgx/certification/v4/", }');
    expect(await checkQcnl(paths)).toMatchObject({ ok: false });
    expect((await checkQcnl(paths)).detail).toMatch(/is not valid JSON/);

    await writeFile(paths.qcnlConfig, '{ "collateral_service": "https://api.trustedservices.intel.com" }');
    const noUrl = await checkQcnl(paths);
    expect(noUrl.detail).toBe(`${paths.qcnlConfig} names no PCCS (no pccs_url)`);
    expect(noUrl.fix).toMatch(/^set "pccs_url": "https:\/\/<your PCCS>:8081\/sgx\/certification\/v4\/"/);

    await writeFile(
      paths.qcnlConfig,
      "# PCCS server address\nPCCS_URL=https://pccs.lan:8081/sgx/certification/v3/\n",
    );
    expect(await checkQcnl(paths)).toMatchObject({
      ok: true,
      detail: `${paths.qcnlConfig} names the PCCS https://pccs.lan:8081/sgx/certification/v3/`,
    });
    await rm(paths.qcnlConfig);
  });
});

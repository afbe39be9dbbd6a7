// The remote engine machine's checks without an engine: the probe program run by this Node against
// a fake host, its report parsed, the shared rules applied to gathered facts, and the PCCS choice.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { fakeSgxHost } from "../../test/support/fakeSgxHost.js";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import { enginePccsSource, parseSgxFacts, type RemoteSgxHost } from "./remoteSgxHost.js";
import { sgxHostChecks, sgxHostPaths } from "./sgxHostChecks.js";
import { gatherLocalSgxFacts, sgxFactsProgram, type SgxHostFacts } from "./sgxHostFacts.js";

const dir = tempDirPerTest("remote-sgx-host");
const run = promisify(execFile);

const HEALTHY: SgxHostFacts = {
  cpuinfo: { text: "processor\t: 0\nflags\t\t: fpu sgx sgx_lc avx2\n" },
  kernelRelease: { text: "6.8.0-45-generic\n" },
  enclaveDevice: { kind: "character", open: "ok" },
  provisionDevice: { kind: "character", open: "ok" },
  legacyDevicePresent: false,
  aesmd: { code: "ok", message: "connected" },
  qcnl: {
    text: '{ "pccs_url": "https://pccs.example:8081/sgx/certification/v4/", "use_secure_cert": false }',
  },
};

const enginePaths = { ...sgxHostPaths(), machine: "the Docker engine's machine (ssh://op@sgx1)" };
const remoteWith = (facts: SgxHostFacts): RemoteSgxHost => ({
  machine: enginePaths.machine,
  paths: enginePaths,
  checks: sgxHostChecks(enginePaths, facts),
  facts,
});

describe("the probe program", () => {
  it("gathers, when run by node -e, the same facts as this process does", async () => {
    const host = await fakeSgxHost(dir(), { cpuFlags: ["fpu", "sgx"], qcnl: null });
    try {
      const paths = sgxHostPaths(host.root);
      const { stdout } = await run(process.execPath, ["-e", sgxFactsProgram(), JSON.stringify(paths)]);
      const remote = parseSgxFacts(stdout);
      expect(remote).toEqual(await gatherLocalSgxFacts(paths));
      expect(remote.aesmd.code).toBe("ok");
      expect(remote.qcnl).toMatchObject({ code: "ENOENT" });
      expect(sgxHostChecks(paths, remote).map((check) => [check.id, check.ok])).toEqual([
        ["cpu.sgx", true],
        ["cpu.flc", false],
        ["device.enclave", true],
        ["device.provision", true],
        ["aesmd", true],
        ["qcnl", false],
      ]);
    } finally {
      await host.close();
    }
  });

  it("refuses a report that is not JSON or lacks fields, with a sentence", () => {
    expect(() => parseSgxFacts("node: not found")).toThrow("its report is not JSON");
    expect(() => parseSgxFacts(JSON.stringify({ ...HEALTHY, aesmd: undefined }))).toThrow(
      "its report does not have the expected fields",
    );
    expect(parseSgxFacts(`${JSON.stringify(HEALTHY)}\n`)).toEqual(HEALTHY);
  });
});

describe("the rules on gathered facts", () => {
  it("pass a healthy machine and name its paths", () => {
    const checks = sgxHostChecks(enginePaths, HEALTHY);
    expect(checks.every((check) => check.ok)).toBe(true);
    expect(checks.find((check) => check.id === "qcnl")!.detail).toBe(
      "/etc/sgx_default_qcnl.conf names the PCCS https://pccs.example:8081/sgx/certification/v4/ (its TLS certificate is not checked: use_secure_cert false)",
    );
  });

  it("fail each fact with its fix, naming the machine's kernel", () => {
    const checks = sgxHostChecks(enginePaths, {
      cpuinfo: { text: "flags\t: fpu avx2\n" },
      kernelRelease: { text: "4.15.0-20-generic\n" },
      enclaveDevice: { kind: "missing" },
      provisionDevice: { kind: "character", open: "ENXIO" },
      legacyDevicePresent: true,
      aesmd: { code: "ECONNREFUSED", message: "connect ECONNREFUSED" },
      qcnl: { text: "{ not json" },
    });
    expect(checks.map((check) => [check.id, check.ok])).toEqual([
      ["cpu.sgx", false],
      ["cpu.flc", false],
      ["device.enclave", false],
      ["device.provision", false],
      ["aesmd", false],
      ["qcnl", false],
    ]);
    const enclave = checks.find((check) => check.id === "device.enclave")!;
    expect(enclave.detail).toBe(
      "/dev/sgx_enclave does not exist (only /dev/isgx, Intel's out-of-tree EPID driver, is there)",
    );
    expect(enclave.fix).toContain("(the Docker engine's machine (ssh://op@sgx1) runs 4.15.0-20-generic)");
    expect(checks.find((check) => check.id === "device.provision")!.detail).toBe(
      "/dev/sgx_provision is present but does not open (ENXIO): no SGX driver answers behind it",
    );
    expect(checks.find((check) => check.id === "aesmd")!.detail).toBe(
      "nothing accepts connections on /var/run/aesmd/aesm.socket (aesmd is not running)",
    );
  });
});

describe("the PCCS of a remote engine's machine", () => {
  it("is --pccs when given", () => {
    const request = { pccsUrl: "https://pccs.internal:8081" };
    expect(enginePccsSource(request, remoteWith(HEALTHY))).toEqual({ source: request });
  });

  it("is else the one the machine's QCNL file names, with its use_secure_cert", () => {
    expect(enginePccsSource({}, remoteWith(HEALTHY))).toEqual({
      source: { pccsUrl: "https://pccs.example:8081/sgx/certification/v4/", pccsInsecureTls: true },
    });
  });

  it("refuses the machine's own loopback and a missing file, naming the machine", () => {
    const loopback = enginePccsSource(
      {},
      remoteWith({
        ...HEALTHY,
        qcnl: { text: '{ "pccs_url": "https://localhost:8081/sgx/certification/v4/" }' },
      }),
    );
    expect(loopback).toEqual({
      problem:
        "--pccs was not given and /etc/sgx_default_qcnl.conf on the Docker engine's machine (ssh://op@sgx1) names https://localhost:8081/sgx/certification/v4/, that machine's own loopback, which this machine cannot reach: give --pccs with an address of that PCCS this machine reaches",
    });
    expect(
      enginePccsSource({}, remoteWith({ ...HEALTHY, qcnl: { code: "ENOENT", message: "no such file" } })),
    ).toEqual({
      problem:
        "--pccs was not given and /etc/sgx_default_qcnl.conf on the Docker engine's machine (ssh://op@sgx1) cannot be read",
    });
  });
});

// Spawn's checks before it touches anything: sizes, hosts, flag values, the package file, the host
// (a fake SGX host, a simulated platform, their PCCS), the port.
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeDocker, testEngine } from "../../test/support/docker.js";
import { fakeSgxHost } from "../../test/support/fakeSgxHost.js";
import { recordedPccsHandler } from "../attestation/testing/recordedPccs.js";
import { simulatedPlatformProbe } from "../cli/simulatedPlatform.js";
import { startPccsServer } from "../simulation/pccsServer.js";
import { initPlatform } from "../simulation/platform.js";
import { freePort } from "../../test/support/unique.js";
import { PortUnavailableError } from "../docker/errors.js";
import { OperatorInputError } from "./errors.js";
import { HostNotReadyError } from "./hostCheck.js";
import {
  checkPackageFile,
  checkPortFree,
  checkSpawnHost,
  checkSpawnValues,
  enclaveSizeProblem,
  hostProblem,
  type SpawnValues,
} from "./spawnChecks.js";

const valid: SpawnValues = {
  name: "myapp",
  host: "myapp.fr",
  extraSans: [],
  bind: "127.0.0.1",
  port: 7777,
  sizeMb: 4096,
  days: 365,
  timeoutMs: 60_000,
  simulation: false,
};

describe("enclave size", () => {
  it.each([2048, 4096, 65536])("accepts the power of two %i MB on hardware", (size) => {
    expect(enclaveSizeProblem(size, false)).toBeUndefined();
  });

  it.each([1000, 3000, 1536, 0, -1024, 1.5])("refuses %s MB, which is no power of two", (size) => {
    expect(enclaveSizeProblem(size, false)).toMatch(/power of two|positive whole number/);
  });

  it("refuses less than 2048 MB on hardware, where Node needs it, but allows it in simulation", () => {
    expect(enclaveSizeProblem(1024, false)).toBe(
      "an SGX enclave for a Node app needs at least 2048 MB (Node expects about 1.7 GB of heap when it starts)",
    );
    expect(enclaveSizeProblem(512, false)).toMatch(/at least 2048 MB/);
    expect(enclaveSizeProblem(1024, true)).toBeUndefined();
    expect(enclaveSizeProblem(512, true)).toBeUndefined();
    expect(enclaveSizeProblem(768, true)).toMatch(/power of two/);
  });
});

describe("host", () => {
  it.each(["myapp.fr", "localhost", "a-b.example.com", "127.0.0.1", "::1", "xn--bcher-kva.example"])(
    "accepts %s",
    (host) => {
      expect(hostProblem(host)).toBeUndefined();
    },
  );

  it.each([
    "",
    "-bad.example",
    "bad-.example",
    "two..dots",
    "under_score.fr",
    "sp ace.fr",
    "https://myapp.fr",
  ])("refuses %j", (host) => {
    expect(hostProblem(host)).toBeDefined();
  });
});

describe("spawn values", () => {
  it("accepts valid values", () => {
    expect(() => checkSpawnValues(valid)).not.toThrow();
  });

  it("accepts further names and any IPv4 or IPv6 bind address", () => {
    for (const bind of ["0.0.0.0", "::", "::1", "192.168.1.20"]) {
      expect(() =>
        checkSpawnValues({ ...valid, bind, extraSans: ["10.0.0.7", "fd00::7", "myapp.internal"] }),
      ).not.toThrow();
    }
  });

  it.each([
    [{ name: "-bad" }, /invalid app name "-bad"/],
    [{ host: "my app" }, /invalid --host "my app"/],
    [{ extraSans: ["ok.example", "bad name"] }, /invalid --san "bad name": it is neither an IP address/],
    [{ extraSans: ["MyApp.fr"] }, /invalid --san: it names "MyApp.fr" twice/],
    [{ extraSans: ["10.0.0.7", "10.0.0.7"] }, /names "10.0.0.7" twice/],
    [{ bind: "localhost" }, /invalid --bind "localhost": it is not an IPv4 or IPv6 address/],
    [{ bind: "256.0.0.1" }, /invalid --bind "256.0.0.1"/],
    [{ bind: "" }, /invalid --bind ""/],
    [{ port: 0 }, /invalid --port 0/],
    [{ port: 70000 }, /invalid --port 70000/],
    [{ sizeMb: 3000 }, /invalid --size 3000: it is not a power of two/],
    [{ sizeMb: 1024 }, /invalid --size 1024: an SGX enclave for a Node app needs at least 2048 MB/],
    [{ days: 0 }, /invalid --days 0/],
    [{ timeoutMs: 0 }, /invalid --timeout/],
  ] as const)("refuses %j with a sentence naming the flag", (override, message) => {
    let thrown: unknown;
    try {
      checkSpawnValues({ ...valid, ...override });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(OperatorInputError);
    expect((thrown as OperatorInputError).exitCode).toBe(2);
    expect((thrown as Error).message).toMatch(message);
  });
});

describe("package file", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "msehome-spawn-checks-"));
    await writeFile(path.join(dir, "package.tar"), "x");
    await mkdir(path.join(dir, "folder"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("accepts a file and refuses a missing path or a directory", async () => {
    await expect(checkPackageFile(path.join(dir, "package.tar"))).resolves.toBeUndefined();
    await expect(checkPackageFile(path.join(dir, "missing.tar"))).rejects.toThrow(
      /missing.tar does not exist/,
    );
    await expect(checkPackageFile(path.join(dir, "folder"))).rejects.toThrow(/folder is not a file/);
  });
});

describeDocker("port check", () => {
  let server: Server;
  let busyPort: number;
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    busyPort = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("refuses a port something listens on", async () => {
    const error = await checkPortFree(testEngine(), "127.0.0.1", busyPort).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortUnavailableError);
    expect((error as Error).message).toMatch(new RegExp(`port 127.0.0.1:${busyPort} is not available`));
  });

  it("accepts a free port", async () => {
    await expect(checkPortFree(testEngine(), "127.0.0.1", await freePort())).resolves.toBeUndefined();
  });
});

describe("host", () => {
  let dir: string;
  let intelPccs: ReturnType<typeof createHttpServer>;
  let intelPccsUrl: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "msehome-spawn-host-"));
    // A PCCS serving Intel's real collateral, as an SGX host's does.
    intelPccs = createHttpServer(recordedPccsHandler(4));
    await new Promise<void>((resolve) => intelPccs.listen(0, "127.0.0.1", resolve));
    intelPccsUrl = `http://127.0.0.1:${(intelPccs.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => intelPccs.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const refusal = async (promise: Promise<unknown>): Promise<Error> => {
    const error = (await promise.catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(HostNotReadyError);
    return error;
  };

  it("accepts an SGX host that doctor passes, with a PCCS serving Intel's root CA CRL", async () => {
    const host = await fakeSgxHost(path.join(dir, "ready"));
    try {
      const pccs = await checkSpawnHost({ hostRoot: host.root, pccsUrl: intelPccsUrl });
      expect(pccs.baseUrl).toBe(intelPccsUrl);
    } finally {
      await host.close();
    }
  });

  it("connects to aesmd's socket: a host where it does not answer is refused with the fix", async () => {
    const host = await fakeSgxHost(path.join(dir, "no-aesmd"), { aesmd: false });
    const error = await refusal(checkSpawnHost({ hostRoot: host.root, pccsUrl: intelPccsUrl }));
    expect(error.message).toMatch(
      /^this machine is not ready to run SGX enclaves: there is no aesmd socket at .*var\/run\/aesmd\/aesm\.socket \(fix: install Intel's AESM service/,
    );
    expect(error.message).toMatch(
      /sudo systemctl enable --now aesmd\); without SGX hardware, spawn with --simulation$/,
    );
    expect((error as { exitCode?: number }).exitCode).toBeUndefined();
  });

  it("lists several failures and leaves their fixes to doctor", async () => {
    const host = await fakeSgxHost(path.join(dir, "bare"), { devices: false, aesmd: false });
    const error = await refusal(checkSpawnHost({ hostRoot: host.root, pccsUrl: intelPccsUrl }));
    expect(error.message).toBe(
      `this machine is not ready to run SGX enclaves: ${path.join(host.root, "dev/sgx_enclave")} does not exist; ${path.join(host.root, "dev/sgx_provision")} does not exist; there is no aesmd socket at ${host.aesmdSocket}; msehome doctor prints the fix of each; without SGX hardware, spawn with --simulation`,
    );
  });

  it("refuses a simulated PCCS on SGX hardware, naming the root it signs with", async () => {
    const host = await fakeSgxHost(path.join(dir, "sim-pccs"));
    const platformDir = path.join(dir, "platform-a");
    await initPlatform(platformDir);
    const pccs = await startPccsServer({ port: 0, platformDir, tls: false });
    try {
      const error = await refusal(checkSpawnHost({ hostRoot: host.root, pccsUrl: pccs.url }));
      expect(error.message).toMatch(
        /the root CA CRL http:\/\/127\.0\.0\.1:\d+ serves is not signed by the Intel SGX Root CA \(its issuer is "msehome simulation/,
      );
    } finally {
      await pccs.close();
      await host.close();
    }
  });

  it("in simulation, needs the platform and a simulated PCCS that serves it", async () => {
    const platformDir = path.join(dir, "platform-b");
    await initPlatform(platformDir);
    const probe = await simulatedPlatformProbe(platformDir);
    const serving = await startPccsServer({ port: 0, platformDir, tls: false });
    try {
      expect((await checkSpawnHost({ simulation: probe, pccsUrl: serving.url })).baseUrl).toBe(serving.url);
      const intel = await refusal(checkSpawnHost({ simulation: probe, pccsUrl: intelPccsUrl }));
      expect(intel.message).toMatch(
        /^the simulated SGX platform is not ready: the root CA CRL .* is not signed by the msehome simulation root CA \(its issuer is "Intel SGX Root CA"\) \(fix: a simulated platform needs msehome's simulated PCCS: start it with msehome sim pccs --dir /,
      );
      const missing = await refusal(
        checkSpawnHost({
          simulation: await simulatedPlatformProbe(path.join(dir, "none")),
          pccsUrl: serving.url,
        }),
      );
      expect(missing.message).toBe(
        `the simulated SGX platform is not ready: no simulated SGX platform at ${path.join(dir, "none")} (fix: create it, or reset a broken one: msehome sim init --dir ${path.join(dir, "none")})`,
      );
    } finally {
      await serving.close();
    }
  });

  it("needs a PCCS: none given and no QCNL file is a usage error", async () => {
    const platformDir = path.join(dir, "platform-c");
    await initPlatform(platformDir);
    const error = await checkSpawnHost({
      simulation: await simulatedPlatformProbe(platformDir),
      qcnlConfigPath: path.join(dir, "missing.conf"),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperatorInputError);
    expect((error as Error).message).toMatch(/^no PCCS to fetch the collateral from: give --pccs <url>/);
  });

  it("takes the PCCS from the host's QCNL file when none is given", async () => {
    const host = await fakeSgxHost(path.join(dir, "qcnl-pccs"), {
      qcnl: `{ "pccs_url": "${intelPccsUrl}/sgx/certification/v4/" }`,
    });
    try {
      expect((await checkSpawnHost({ hostRoot: host.root })).baseUrl).toBe(intelPccsUrl);
    } finally {
      await host.close();
    }
  });
});

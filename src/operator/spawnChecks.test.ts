// Spawn's checks before it touches anything: sizes, hosts, flag values, the package file, the port.
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeDocker, testEngine } from "../../test/support/docker.js";
import { freePort } from "../../test/support/unique.js";
import { PortUnavailableError } from "../docker/errors.js";
import { OperatorInputError } from "./errors.js";
import {
  checkPackageFile,
  checkPortFree,
  checkSpawnValues,
  enclaveSizeProblem,
  hostProblem,
  type SpawnValues,
} from "./spawnChecks.js";

const valid: SpawnValues = {
  name: "myapp",
  host: "myapp.fr",
  port: 7777,
  sizeMb: 4096,
  days: 365,
  timeoutMs: 60_000,
  simulation: false,
};

describe("enclave size", () => {
  it.each([1024, 2048, 4096, 65536])("accepts the power of two %i MB on hardware", (size) => {
    expect(enclaveSizeProblem(size, false)).toBeUndefined();
  });

  it.each([1000, 3000, 1536, 0, -1024, 1.5])("refuses %s MB, which is no power of two", (size) => {
    expect(enclaveSizeProblem(size, false)).toMatch(/power of two|positive whole number/);
  });

  it("refuses less than 1024 MB on hardware but allows it in simulation", () => {
    expect(enclaveSizeProblem(512, false)).toMatch(/at least 1024 MB/);
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

  it.each([
    [{ name: "-bad" }, /invalid app name "-bad"/],
    [{ host: "my app" }, /invalid --host "my app"/],
    [{ port: 0 }, /invalid --port 0/],
    [{ port: 70000 }, /invalid --port 70000/],
    [{ sizeMb: 3000 }, /invalid --size 3000: it is not a power of two/],
    [{ sizeMb: 512 }, /invalid --size 512: an SGX enclave needs at least 1024 MB/],
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

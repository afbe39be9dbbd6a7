// App containers on the real engine: labels, volumes, tmpfs and port binding read back; lifecycle with
// their volumes, logs, early exits.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  collectLogs,
  describeDocker,
  removeAppNamed,
  testEngine,
  waitForHttp,
} from "../../test/support/docker.js";
import { SAMPLE_LAUNCH } from "../../test/support/launchArguments.js";
import { freePort, uniqueName } from "../../test/support/unique.js";
import { importNodeImage, removeImageTree } from "../../test/support/testImage.js";
import { MSEHOME_VERSION } from "../version.js";
import type { LaunchArguments } from "../model/launchArguments.js";
import {
  type AppContainerSpec,
  appContainerCreateOptions,
  readAppSignerKey,
  removeAppContainer,
  runAppDryRun,
  startAppContainer,
} from "./appContainer.js";
import { listVolumesByLabel } from "./volumes.js";
import { findAppContainer, getAppContainer, listAppContainers } from "./appContainerLookup.js";
import { findContainer, restartContainer, stopContainer, waitForExit } from "./container.js";
import { containerLogs, pipeContainerLogs, readContainerLogs } from "./containerLogs.js";
import {
  AppNotFoundError,
  ContainerNameTakenError,
  ContainerSpecError,
  DockerEngineError,
  NotAnAppContainerError,
  PortUnavailableError,
} from "./errors.js";

const scratch = mkdtempSync(path.join(tmpdir(), "msehome-app-"));
const appTar = path.join(scratch, "app.tar");
const platformDir = path.join(scratch, "platform");
const signerKey = path.join(scratch, "enclave-key.pem");
mkdirSync(platformDir);
writeFileSync(appTar, "pretend this is app.tar");
writeFileSync(path.join(platformDir, "platform-key"), "secret\n", { mode: 0o600 });
writeFileSync(signerKey, "-----BEGIN RSA PRIVATE KEY-----\n(test)\n-----END RSA PRIVATE KEY-----\n");
const volumes = { inputs: "app-inputs", storage: "app-storage" };

const tag = `msehome-test/${uniqueName("app")}:1`;
let imageId = "";
const names: string[] = [];

const launch: LaunchArguments = SAMPLE_LAUNCH;

function spec(overrides: Partial<AppContainerSpec> = {}): AppContainerSpec {
  const name = overrides.name ?? uniqueName("msehome-test-app");
  names.push(name);
  return {
    name,
    image: tag,
    launch,
    port: 1,
    inputs: { appTar, signerKey, simulationPlatformDir: platformDir },
    healthcheckEndpoint: "/health",
    ...overrides,
  };
}

describe("app container create options", () => {
  it("give the enclave's filesystem: inputs read-only, storage, tmpfs, nothing else writable; publish 443 on 127.0.0.1", () => {
    const options = appContainerCreateOptions(spec({ port: 9443 }), volumes) as {
      Cmd: string[];
      Labels: Record<string, string>;
      HostConfig: {
        PortBindings: unknown;
        Mounts: unknown;
        Tmpfs: unknown;
        ReadonlyRootfs: boolean;
        Devices: unknown[];
      };
    };
    expect(options.Cmd).toEqual([
      "--size",
      "2048M",
      "--san",
      "localhost",
      "--id",
      launch.appId,
      "--application",
      "app.mjs:app",
      "--expiration",
      "1900000000",
      "--simulation",
    ]);
    expect(options.HostConfig.PortBindings).toEqual({
      "443/tcp": [{ HostIp: "127.0.0.1", HostPort: "9443" }],
    });
    expect(options.HostConfig.Mounts).toEqual([
      { Type: "volume", Source: "app-inputs", Target: "/opt/input", ReadOnly: true },
      { Type: "volume", Source: "app-storage", Target: "/opt/msehome/storage", ReadOnly: false },
    ]);
    expect(options.HostConfig.ReadonlyRootfs).toBe(true);
    expect(options.HostConfig.Tmpfs).toEqual({
      "/opt/msehome/code": "rw,noexec,nosuid,nodev,mode=0755",
      "/opt/msehome/app": "rw,exec,nosuid,nodev,mode=0755",
      "/opt/msehome/secrets": "rw,noexec,nosuid,nodev,mode=0700",
      "/opt/msehome/enclave": "rw,noexec,nosuid,nodev,mode=0755",
      "/tmp": "rw,noexec,nosuid,nodev,mode=1777",
    });
    expect(options.HostConfig.Devices).toEqual([]);
    expect(options.Labels).toMatchObject({
      msehome: "1",
      "msehome.mode": "simulation",
      "msehome.port": "9443",
    });
  });

  it("refuse a simulated enclave new privileges, and subprocesses unless the app allows them", () => {
    const security = (subprocesses: boolean) =>
      (
        appContainerCreateOptions(spec({ launch: { ...launch, subprocesses } }), volumes) as {
          HostConfig: { SecurityOpt: string[] };
        }
      ).HostConfig.SecurityOpt;
    const refused = security(false);
    expect(refused[0]).toBe("no-new-privileges");
    const profile = JSON.parse(refused[1]?.replace(/^seccomp=/, "") ?? "{}") as {
      syscalls: { names: string[]; errnoRet: number; args?: unknown[] }[];
    };
    const rule = (name: string) => profile.syscalls.find((r) => r.names.includes(name));
    expect(rule("fork")?.errnoRet).toBe(11);
    expect(rule("clone")).toMatchObject({
      errnoRet: 11,
      args: [{ index: 0, value: 0x10000, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }],
    });
    expect(rule("execve")).toBeUndefined();
    expect(security(true)).toEqual(["no-new-privileges"]);
    const ipc = (
      appContainerCreateOptions(spec(), volumes) as {
        HostConfig: { IpcMode?: string };
      }
    ).HostConfig.IpcMode;
    expect(ipc).toBe("none");
  });

  it("give SGX hardware its devices and the aesmd socket directory, on a chosen host address", () => {
    const options = appContainerCreateOptions(
      spec({
        launch: { ...launch, simulation: false },
        inputs: { appTar, signerKey },
        hostIp: "0.0.0.0",
        port: 8443,
      }),
      volumes,
    ) as {
      Cmd: string[];
      Labels: Record<string, string>;
      HostConfig: {
        PortBindings: unknown;
        Mounts: { Target: string; ReadOnly: boolean }[];
        Devices: unknown;
      };
    };
    expect(options.Cmd).not.toContain("--simulation");
    // Gramine itself refuses what the simulated enclave's container is refused.
    expect(options.HostConfig).not.toHaveProperty("SecurityOpt");
    expect(options.HostConfig).not.toHaveProperty("IpcMode");
    expect(options.Labels["msehome.mode"]).toBe("sgx");
    expect(options.HostConfig.Devices).toEqual([
      { PathOnHost: "/dev/sgx_enclave", PathInContainer: "/dev/sgx_enclave", CgroupPermissions: "rwm" },
      { PathOnHost: "/dev/sgx_provision", PathInContainer: "/dev/sgx_provision", CgroupPermissions: "rwm" },
    ]);
    expect(options.HostConfig.Mounts).toContainEqual({
      Type: "bind",
      Source: "/var/run/aesmd",
      Target: "/var/run/aesmd",
      ReadOnly: false,
    });
    expect(options.HostConfig.PortBindings).toEqual({ "443/tcp": [{ HostIp: "0.0.0.0", HostPort: "8443" }] });
  });

  it("refuse simulation without a platform directory and impossible ports", () => {
    expect(() => appContainerCreateOptions(spec({ inputs: { appTar, signerKey } }), volumes)).toThrow(
      new ContainerSpecError("a simulation app container needs the simulated platform directory"),
    );
    expect(() => appContainerCreateOptions(spec({ port: 70000 }), volumes)).toThrow(
      "port 70000 is not between 1 and 65535",
    );
  });
});

describeDocker("app containers", () => {
  beforeAll(async () => {
    imageId = await importNodeImage(testEngine(), tag);
  });

  afterAll(async () => {
    for (const name of names) await removeAppNamed(name);
    await removeImageTree(testEngine(), imageId);
    rmSync(scratch, { recursive: true, force: true });
  });

  it("start with their labels, launch arguments, mounts and port binding readable back, and serve", async () => {
    const port = await freePort();
    const app = await startAppContainer(testEngine(), spec({ port }));
    expect(app.running).toBe(true);
    expect(app.mode).toBe("simulation");
    expect(app.launch).toEqual(launch);
    expect(app.labels).toEqual({
      name: app.name,
      mode: "simulation",
      sizeMb: 2048,
      host: "localhost",
      port,
      appId: launch.appId,
      application: "app.mjs:app",
      expiration: 1_900_000_000,
      healthcheckEndpoint: "/health",
      version: MSEHOME_VERSION,
      image: tag,
    });
    expect(app.binding).toEqual({ hostIp: "127.0.0.1", hostPort: port });
    expect(app.imageId).toBe(imageId);
    expect(app.startedAt).toBeInstanceOf(Date);
    const volumeMounts = app.mounts.filter((mount) => mount.type === "volume");
    expect(volumeMounts.map(({ target, readOnly }) => ({ target, readOnly }))).toEqual(
      expect.arrayContaining([
        { target: "/opt/input", readOnly: true },
        { target: "/opt/msehome/storage", readOnly: false },
      ]),
    );
    // The volumes are the app's own, named after it and labelled with its name.
    const names = volumeMounts.map((mount) => mount.name ?? "");
    expect(names.every((name) => name.startsWith(`${app.name}-`))).toBe(true);
    expect((await listVolumesByLabel(testEngine(), { "msehome.app": app.name })).sort()).toEqual(
      names.sort(),
    );

    const response = await waitForHttp(port);
    expect(response.headers.get("mse-status")).toBe("Waiting");
    expect(await response.json()).toEqual({
      args: appContainerCreateOptions(spec({ port }), volumes).Cmd,
      input: ["app.tar", "enclave-key.pem", "sim-platform"],
    });
    // What the engine holds came through its API, byte for byte.
    expect(await readAppSignerKey(testEngine(), app)).toBe(readFileSync(signerKey, "utf8"));

    const logs = await collectLogs(app.id);
    expect(logs.stdout).toContain("listening on 443");
    expect(logs.stderr).toBe("runtime starting\n");

    expect((await getAppContainer(testEngine(), app.name)).id).toBe(app.id);
    expect((await listAppContainers(testEngine())).map((a) => a.name)).toContain(app.name);
  });

  it("stop, restart (and serve again) and remove", async () => {
    const port = await freePort();
    const app = await startAppContainer(testEngine(), spec({ port }));
    await waitForHttp(port);

    await stopContainer(testEngine(), app.id, 5);
    const stopped = await getAppContainer(testEngine(), app.name);
    expect(stopped.status).toBe("exited");
    expect(stopped.running).toBe(false);
    expect(stopped.exitCode).toBe(0);
    await stopContainer(testEngine(), app.id); // stopping a stopped app is not an error

    await restartContainer(testEngine(), app.id, 5);
    expect((await getAppContainer(testEngine(), app.name)).running).toBe(true);
    expect((await waitForHttp(port)).headers.get("mse-status")).toBe("Waiting");

    const removed = await removeAppContainer(testEngine(), app);
    expect(removed).toHaveLength(2);
    expect(await findAppContainer(testEngine(), app.name)).toBeUndefined();
    expect(await listVolumesByLabel(testEngine(), { "msehome.app": app.name })).toEqual([]);
    await expect(getAppContainer(testEngine(), app.name)).rejects.toThrow(
      new AppNotFoundError(app.name).message,
    );
  });

  it("follow logs until the container stops, with stdout and stderr apart", async () => {
    const port = await freePort();
    const app = await startAppContainer(testEngine(), spec({ port }));
    await waitForHttp(port);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = "";
    let err = "";
    stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const following = pipeContainerLogs(testEngine(), app.id, { stdout, stderr }, { follow: true });
    await stopContainer(testEngine(), app.id, 5);
    await following;
    expect(out).toContain("listening on 443\n");
    expect(out).toContain("stopping\n");
    expect(err).toBe("runtime starting\n");
  });

  it("stop following logs when asked, while the container keeps running", async () => {
    const app = await startAppContainer(testEngine(), spec({ port: await freePort() }));
    const controller = new AbortController();
    const seen: string[] = [];
    setTimeout(() => controller.abort(), 1500);
    for await (const chunk of containerLogs(testEngine(), app.id, {
      follow: true,
      signal: controller.signal,
    })) {
      seen.push(chunk.data.toString());
    }
    expect(seen.join("")).toContain("runtime starting");
    expect((await getAppContainer(testEngine(), app.name)).running).toBe(true);
  });

  it("report a container that exits early with its code and its last words", async () => {
    const app = await startAppContainer(
      testEngine(),
      spec({ port: await freePort(), launch: { ...launch, application: "crash:now" } }),
    );
    expect(await waitForExit(testEngine(), app.id)).toEqual({ exitCode: 3 });
    const exited = await getAppContainer(testEngine(), app.name);
    expect(exited.status).toBe("exited");
    expect(exited.exitCode).toBe(3);
    expect(exited.finishedAt).toBeInstanceOf(Date);
    expect(await readContainerLogs(testEngine(), app.id)).toContain("crashing as asked\n");
  });

  it("refuse a name already taken and leave the existing container alone", async () => {
    const first = await startAppContainer(testEngine(), spec({ port: await freePort() }));
    const failure = await startAppContainer(
      testEngine(),
      spec({ name: first.name, port: await freePort() }),
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ContainerNameTakenError);
    expect((failure as Error).message).toBe(
      `a Docker container named "${first.name}" already exists; choose another name or remove it first`,
    );
    expect((await getAppContainer(testEngine(), first.name)).id).toBe(first.id);
  });

  it("refuse a port already in use and leave no container behind", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const blocked = spec({ port });
      const failure = await startAppContainer(testEngine(), blocked).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(PortUnavailableError);
      expect((failure as Error).message).toBe(
        `port 127.0.0.1:${port} is not available (already in use); choose another --port`,
      );
      expect(await findContainer(testEngine(), blocked.name)).toBeUndefined();
      expect(await listVolumesByLabel(testEngine(), { "msehome.app": blocked.name })).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it("leave nothing behind when the engine cannot give SGX hardware to the container", async () => {
    // This machine has no SGX driver: the devices (or /var/run/aesmd) are missing.
    const hardware = spec({
      port: await freePort(),
      launch: { ...launch, simulation: false },
      inputs: { appTar, signerKey },
    });
    const failure = await startAppContainer(testEngine(), hardware).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DockerEngineError);
    expect((failure as Error).message).toMatch(/(sgx_enclave|aesmd)/);
    expect(await findContainer(testEngine(), hardware.name)).toBeUndefined();
    expect(await listVolumesByLabel(testEngine(), { "msehome.app": hardware.name })).toEqual([]);
  });

  it("tell a container that is not an msehome app from a missing one", async () => {
    const name = uniqueName("msehome-test-plain");
    names.push(name);
    await testEngine().call("creating", (api) => api.createContainer({ name, Image: tag, Cmd: ["--help"] }));
    await expect(findAppContainer(testEngine(), name)).rejects.toBeInstanceOf(NotAnAppContainerError);
    expect(await findAppContainer(testEngine(), uniqueName("msehome-test-absent"))).toBeUndefined();
  });

  it("run the image once in --dry-run with the same inputs and return its output", async () => {
    const first = await runAppDryRun(testEngine(), { image: tag, launch, appTar });
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain('"--dry-run"');
    const measurement = /^Measurement:\n {4}([0-9a-f]{64})$/m.exec(first.stdout)?.[1];
    expect(measurement).toMatch(/^[0-9a-f]{64}$/);
    const otherTar = path.join(scratch, "other-app.tar");
    writeFileSync(otherTar, "pretend this is app.tar, one byte more");
    const second = await runAppDryRun(testEngine(), { image: tag, launch, appTar: otherTar });
    expect(/^Measurement:\n {4}([0-9a-f]{64})$/m.exec(second.stdout)?.[1]).not.toBe(measurement);
  });
});

// The simulated enclave seen from inside its container: the app directory is a mount point that the
// runtime never removes, nothing but the enclave's own mounts is writable, configuration and restart
// work there; and whatever the host deletes or rolls back in the storage volume, no certificate ever
// waits for a second configuration.
import { X509Certificate, generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type AppContainer, removeAppContainer } from "../../src/docker/appContainer.js";
import { readContainerFile } from "../../src/docker/containerFiles.js";
import { restartContainer, stopContainer, startContainer } from "../../src/docker/container.js";
import { fillVolume } from "../../src/docker/volumes.js";
import { runOneShotContainer } from "../../src/docker/oneShotContainer.js";
import { APP_CONTAINER_LAYOUT } from "../../src/model/appContainerLayout.js";
import { serializeConfigurationPayload } from "../../src/model/configurationPayload.js";
import { tarDirectory } from "../../src/package/tarWriter.js";
import { CONFIGURED_ENCLAVE_RECORD } from "../../src/runtime/enclaveRecord.js";
import { initPlatform } from "../../src/simulation/platform.js";
import {
  httpsRequest,
  simulationLaunch,
  startSimulationApp,
  waitFor,
  type SimulationAppInputs,
  type StartedApp,
} from "../support/appContainer.js";
import { ensureBaseImage } from "../support/baseImage.js";
import { describeDocker, testEngine } from "../support/docker.js";

/** An app that reports what it sees of its filesystem, and its secrets. */
const PROBE_APP = `
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const appDir = path.dirname(fileURLToPath(import.meta.url));
const attempt = (action) => { try { action(); return "ok"; } catch (error) { return error.code; } };
const code = "/opt/msehome/code";

export const app = (req, res) => {
  if (req.url === "/health") return res.end("OK");
  if (req.url === "/secrets") return res.end(readFileSync(process.env.SECRETS_PATH, "utf8"));
  if (req.url === "/subprocess") {
    const child = spawnSync(process.execPath, ["-e", "process.stdout.write('child')"], { encoding: "utf8" });
    return res.end(child.error ? child.error.code : child.stdout);
  }
  if (req.url === "/filesystem") {
    const mounts = readFileSync("/proc/self/mountinfo", "utf8").trim().split("\\n").map((line) => {
      const fields = line.split(" ");
      return { target: fields[4], readOnly: fields[5].split(",").includes("ro"), type: fields[fields.indexOf("-") + 1] };
    });
    res.setHeader("content-type", "application/json");
    return res.end(JSON.stringify({
      appDir,
      cwd: process.cwd(),
      mounts,
      removeAppDir: attempt(() => rmdirSync(appDir)),
      renameAppDir: attempt(() => renameSync(appDir, appDir + "-moved")),
      removeSecretsDir: attempt(() => rmdirSync(path.dirname(process.env.SECRETS_PATH))),
      uid: process.getuid(),
      code: {
        write: attempt(() => writeFileSync(path.join(code, "app.mjs"), "x")),
        create: attempt(() => writeFileSync(path.join(code, "probe"), "x")),
        createDirectory: attempt(() => mkdirSync(path.join(code, "lib", "probe"))),
        writeNested: attempt(() => writeFileSync(path.join(code, "lib", "open.mjs"), "x")),
        rename: attempt(() => renameSync(path.join(code, "app.mjs"), path.join(code, "moved.mjs"))),
        remove: attempt(() => rmSync(path.join(code, "app.mjs"))),
        removeNested: attempt(() => rmSync(path.join(code, "lib"), { recursive: true })),
        chmod: attempt(() => chmodSync(path.join(code, "app.mjs"), 0o666)),
      },
      write: {
        root: attempt(() => writeFileSync("/probe", "x")),
        runtime: attempt(() => writeFileSync("/opt/msehome/runtime/probe", "x")),
        runtimeFile: attempt(() => writeFileSync("/opt/msehome/runtime/package.json", "x")),
        packages: attempt(() => writeFileSync("/opt/msehome/node_modules", "x")),
        inputs: attempt(() => writeFileSync("/opt/input/probe", "x")),
        home: attempt(() => writeFileSync("/root/probe", "x")),
        appDir: attempt(() => writeFileSync(path.join(appDir, "probe"), "x")),
        tmp: attempt(() => writeFileSync("/tmp/probe", "x")),
        sharedMemory: attempt(() => writeFileSync("/dev/shm/probe", "x")),
      },
    }));
  }
  res.statusCode = 404;
  res.end();
};
`;

interface FilesystemReport {
  appDir: string;
  cwd: string;
  mounts: { target: string; readOnly: boolean; type: string }[];
  removeAppDir: string;
  renameAppDir: string;
  removeSecretsDir: string;
  uid: number;
  code: Record<string, string>;
  write: Record<string, string>;
}

describeDocker("the simulated enclave's filesystem", () => {
  let work: string;
  let inputs: SimulationAppInputs;
  const apps: AppContainer[] = [];

  beforeAll(async () => {
    const image = await ensureBaseImage();
    work = await mkdtemp(path.join(tmpdir(), "msehome-e2e-enclave-fs-"));
    const code = path.join(work, "code");
    await mkdir(code);
    await writeFile(path.join(code, "app.mjs"), PROBE_APP);
    await mkdir(path.join(code, "lib"));
    await writeFile(path.join(code, "lib", "open.mjs"), "export {};\n");
    const appTar = path.join(work, "app.tar");
    await tarDirectory(code, appTar);
    const signerKey = path.join(work, "enclave-key.pem");
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 3072, publicExponent: 3 });
    await writeFile(signerKey, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    const platformDir = path.join(work, "platform");
    await initPlatform(platformDir);
    inputs = { image, appTar, signerKey, platformDir };
  }, 240_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => removeAppContainer(testEngine(), app).catch(() => undefined)));
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function start(options: { subprocesses?: boolean } = {}): Promise<StartedApp & { appId: string }> {
    const appId = randomUUID();
    const launch = simulationLaunch({
      appId,
      expiration: Math.floor(Date.now() / 1000) + 86_400,
      ...options,
    });
    const started = await startSimulationApp(testEngine(), inputs, launch);
    apps.push(started.app);
    return { ...started, appId };
  }

  /** Waits for the configuration server; returns the certificate it serves. */
  async function waiting(started: StartedApp): Promise<string> {
    const reply = await waitFor(started.port, (r) => r.headers["mse-status"] === "Waiting", {
      container: { engine: testEngine(), id: started.app.id },
    });
    return reply.certificatePem;
  }

  /** Waits until the app (not the configuration server) answers, trusting only `ca`. */
  async function serving(started: StartedApp, ca: string): Promise<string> {
    const reply = await waitFor(started.port, (r) => r.status === 200 && r.body.toString() === "OK", {
      path: "/health",
      ca,
      container: { engine: testEngine(), id: started.app.id },
    });
    return reply.certificatePem;
  }

  async function configure(started: StartedApp & { appId: string }, ca: string, secret: string) {
    const body = serializeConfigurationPayload({ uuid: started.appId, appSecrets: { secret } });
    const reply = await httpsRequest(started.port, { ca, method: "POST", body });
    expect(reply.status, reply.body.toString()).toBe(200);
    await serving(started, ca);
  }

  async function secretOf(started: StartedApp, ca: string): Promise<string> {
    const reply = await httpsRequest(started.port, { ca, path: "/secrets" });
    return (JSON.parse(reply.body.toString()) as { secret: string }).secret;
  }

  function storageVolume(app: AppContainer): string {
    const mount = app.mounts.find((m) => m.target === APP_CONTAINER_LAYOUT.storageDir);
    if (!mount?.name) throw new Error(`${app.name} has no storage volume`);
    return mount.name;
  }

  /** Deletes the enclave's record from its storage volume, as the host can. */
  async function deleteRecord(app: AppContainer): Promise<void> {
    const result = await runOneShotContainer(testEngine(), {
      image: inputs.image,
      entrypoint: ["/usr/local/bin/node", "-e", "require('fs').rmSync(process.argv[1])"],
      command: [`/storage/${CONFIGURED_ENCLAVE_RECORD}`],
      mounts: [{ volume: storageVolume(app), target: "/storage", readOnly: false }],
    });
    expect(result.exitCode, result.stderr).toBe(0);
  }

  const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

  it("has its app directory on a mount point it never removes, and nothing writable but the enclave's mounts", async () => {
    const started = await start();
    const ca = await waiting(started);
    await configure(started, ca, "mounted");
    const report = JSON.parse(
      (await httpsRequest(started.port, { ca, path: "/filesystem" })).body.toString(),
    ) as FilesystemReport;

    expect(report.appDir).toBe(APP_CONTAINER_LAYOUT.appDir);
    expect(report.cwd).toBe(APP_CONTAINER_LAYOUT.appDir);
    const mount = (target: string) => report.mounts.find((m) => m.target === target);
    expect(mount(APP_CONTAINER_LAYOUT.appDir)).toEqual({
      target: APP_CONTAINER_LAYOUT.appDir,
      readOnly: false,
      type: "tmpfs",
    });
    expect(mount(APP_CONTAINER_LAYOUT.secretsDir)).toMatchObject({ readOnly: false, type: "tmpfs" });
    expect(mount(APP_CONTAINER_LAYOUT.tmpDir)).toMatchObject({ readOnly: false, type: "tmpfs" });
    expect(mount(APP_CONTAINER_LAYOUT.storageDir)).toMatchObject({ readOnly: false });
    expect(mount(APP_CONTAINER_LAYOUT.inputDir)).toMatchObject({ readOnly: true });
    expect(mount("/")).toMatchObject({ readOnly: true });
    // A mount point cannot be removed or renamed, here as in Gramine.
    expect(report.removeAppDir).not.toBe("ok");
    expect(report.renameAppDir).not.toBe("ok");
    expect(report.removeSecretsDir).not.toBe("ok");
    // The code is trusted files in Gramine: nothing in it can be written, created, renamed or removed.
    expect(report.uid).not.toBe(0);
    expect(report.code).toEqual({
      write: "EACCES",
      create: "EACCES",
      createDirectory: "EACCES",
      writeNested: "EACCES",
      rename: "EACCES",
      remove: "EACCES",
      removeNested: "EACCES",
      chmod: "EPERM",
    });
    expect(report.write).toEqual({
      root: "EROFS",
      runtime: "EROFS",
      runtimeFile: "EROFS",
      packages: "EROFS",
      inputs: "EROFS",
      home: "EROFS",
      appDir: "ok",
      tmp: "ok",
      sharedMemory: "ENOENT",
    });

    // Without allow_subprocesses, starting a child process fails as Gramine makes it fail: EAGAIN.
    expect((await httpsRequest(started.port, { ca, path: "/subprocess" })).body.toString()).toBe("EAGAIN");

    // Restarted, the runtime refills the (fresh) tmpfs app directory and serves with the same certificate.
    await restartContainer(testEngine(), started.app.id, 5);
    expect(fingerprint(await serving(started, ca))).toBe(fingerprint(ca));
    expect(await secretOf(started, ca)).toBe("mounted");
    const again = JSON.parse(
      (await httpsRequest(started.port, { ca, path: "/filesystem" })).body.toString(),
    ) as FilesystemReport;
    expect(again.code.write).toBe("EACCES");
  }, 180_000);

  it("starts child processes when the app allows subprocesses", async () => {
    const started = await start({ subprocesses: true });
    const ca = await waiting(started);
    await configure(started, ca, "children");
    expect((await httpsRequest(started.port, { ca, path: "/subprocess" })).body.toString()).toBe("child");
    const report = JSON.parse(
      (await httpsRequest(started.port, { ca, path: "/filesystem" })).body.toString(),
    ) as FilesystemReport;
    expect(report.code.write).toBe("EACCES");
  }, 180_000);

  it("never waits for a second configuration behind a configured certificate, whatever the host deletes or rolls back", async () => {
    const started = await start();
    const first = await waiting(started);
    await configure(started, first, "first");
    const firstRecord = path.join(work, "first-record");
    await writeFile(
      firstRecord,
      await readContainerFile(
        testEngine(),
        started.app.id,
        path.posix.join(APP_CONTAINER_LAYOUT.storageDir, CONFIGURED_ENCLAVE_RECORD),
      ),
    );

    // Deleted: the enclave comes back with a fresh certificate; the configured one is gone for good.
    await stopContainer(testEngine(), started.app.id, 5);
    await deleteRecord(started.app);
    await startContainer(testEngine(), started.app.id);
    const second = await waiting(started);
    expect(fingerprint(second)).not.toBe(fingerprint(first));
    await expect(httpsRequest(started.port, { ca: first, path: "/" })).rejects.toThrow();
    await configure(started, second, "second");

    // Rolled back: the first enclave comes back configured as it was; nothing waits.
    await stopContainer(testEngine(), started.app.id, 5);
    await fillVolume(testEngine(), storageVolume(started.app), inputs.image, [
      { path: CONFIGURED_ENCLAVE_RECORD, source: firstRecord, mode: 0o600 },
    ]);
    await startContainer(testEngine(), started.app.id);
    expect(fingerprint(await serving(started, first))).toBe(fingerprint(first));
    expect(await secretOf(started, first)).toBe("first");
    const get = await httpsRequest(started.port, { ca: first, path: "/" });
    expect(get.headers["mse-status"]).toBeUndefined();
    const post = await httpsRequest(started.port, {
      ca: first,
      method: "POST",
      body: serializeConfigurationPayload({ uuid: started.appId, appSecrets: { secret: "third" } }),
    });
    expect(post.status).toBe(404);
    expect(await secretOf(started, first)).toBe("first");
  }, 240_000);
});

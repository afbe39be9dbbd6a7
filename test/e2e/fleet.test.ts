// The operator in production, end to end with real containers: --bind publishes apart from the
// certificate's name, --san names verify (MRENCLAVE recomputed from the package binds them), the
// restart policy, status's resources, list's filters, commands on several apps, an app spawned by an
// earlier msehome (no policy, no further names), and an engine that stops and starts again under an
// app with the default policy: it serves again with the same certificate, without a new `run`.
import { randomUUID } from "node:crypto";
import { readFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { networkInterfaces, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { certificateNames, fetchPeerCertificate } from "../../src/attestation/ratls.js";
import { startAppContainer } from "../../src/docker/appContainer.js";
import { getAppContainer } from "../../src/docker/appContainerLookup.js";
import { inspectImage, removeImage } from "../../src/docker/images.js";
import { extractPackage } from "../../src/package/packageReader.js";
import { appImageTag } from "../../src/operator/appImage.js";
import { generateSignerKey } from "../../src/operator/signerKey.js";
import { imageRepositoryFor, packageApp } from "../../src/provider/package.js";
import { scaffold } from "../../src/provider/scaffold.js";
import { startPccsServer, type PccsServer } from "../../src/simulation/pccsServer.js";
import { initPlatform } from "../../src/simulation/platform.js";
import { simulationLaunch } from "../support/appContainer.js";
import { ensureBaseImage } from "../support/baseImage.js";
import { type CliRun, runCli } from "../support/cli.js";
import { describeDocker, removeAppNamed, testEngine } from "../support/docker.js";
import { type IsolatedDockerd, startIsolatedDockerd } from "../support/isolatedDockerd.js";
import { freePort, uniqueName } from "../support/unique.js";

function ok(run: CliRun): CliRun {
  expect(run.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(0);
  return run;
}

/** The one error sentence of a failed run, with its exit code. */
function errorOf(run: CliRun, code = 1): string {
  expect(run.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(code);
  const errors = run.stderr
    .trim()
    .split("\n")
    .filter((line) => line.startsWith("error:"));
  expect(errors).toHaveLength(1);
  return errors[0]!;
}

/** An IPv4 address of this machine that is not loopback (a bridge at least, where Docker runs). */
function nonLoopbackIpv4(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === "IPv4" && !address.internal) return address.address;
    }
  }
  return undefined;
}

async function statusJson(name: string, env: NodeJS.ProcessEnv = {}): Promise<Record<string, unknown>> {
  return JSON.parse(ok(await runCli(["status", name, "--json"], { env })).stdout) as Record<string, unknown>;
}

describeDocker("the operator in production (simulation)", () => {
  const engine = testEngine();
  const name = uniqueName("fleet");
  const oldName = uniqueName("fleet-old");
  const images: string[] = [];
  let work: string;
  let platformDir: string;
  let pccs: PccsServer;
  let packagePath: string;
  let project: string;

  function spawnArgs(appName: string, output: string, appPort: number, extra: string[] = []): string[] {
    return [
      "spawn",
      appName,
      "--host",
      "localhost",
      "--port",
      String(appPort),
      "--size",
      "2048",
      "--package",
      packagePath,
      "--output",
      output,
      "--pccs",
      pccs.url,
      "--pccs-insecure-tls",
      "--simulation",
      "--platform",
      platformDir,
      "--timeout",
      "2",
      ...extra,
    ];
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "msehome-e2e-fleet-"));
    platformDir = path.join(work, "platform");
    await initPlatform(platformDir);
    pccs = await startPccsServer({ host: "127.0.0.1", port: 0, platformDir, tls: true });
    const base = (await inspectImage(engine, await ensureBaseImage()))!.id;
    const { directory } = await scaffold(name, { parentDir: work });
    project = directory;
    const dockerfile = path.join(directory, "Dockerfile");
    await writeFile(dockerfile, `${await readFile(dockerfile, "utf8")}\nLABEL msehome.test="${name}"\n`);
    const packaged = await packageApp({
      project: directory,
      output: path.join(work, "package"),
      baseImage: base,
      engine,
    });
    images.push(packaged.image.id);
    packagePath = packaged.package.path;
    await removeImage(engine, `${imageRepositoryFor(name)}:latest`, { ignoreMissing: true });
  }, 300_000);

  afterAll(async () => {
    for (const app of [name, oldName]) {
      await removeAppNamed(app);
      await removeImage(engine, appImageTag(app), { ignoreMissing: true }).catch(() => undefined);
    }
    for (const image of images)
      await removeImage(engine, image, { force: true, ignoreMissing: true }).catch(() => undefined);
    await pccs?.close();
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

  describe("on the suite's engine", () => {
    let port: number;
    let out: string;

    it("publishes on every interface with --bind 0.0.0.0 while the certificate names --host and each --san", async () => {
      port = await freePort();
      out = path.join(work, "spawned");
      const run = ok(
        await runCli(
          spawnArgs(name, out, port, [
            "--bind",
            "0.0.0.0",
            "--san",
            "127.0.0.1",
            "--san",
            "app.internal",
            "--restart",
            "on-failure:3",
          ]),
        ),
      );
      expect(run.stdout).toContain(`URL:          https://localhost:${port} (published on 0.0.0.0:${port})`);
      expect(run.stdout).toContain("Also named:   127.0.0.1, app.internal");
      expect(run.stdout).toContain("Restart:      on-failure:3");
      const app = await getAppContainer(engine, name);
      expect(app.binding).toEqual({ hostIp: "0.0.0.0", hostPort: port });
      expect(app.restartPolicy).toEqual({ name: "on-failure", maximumRetryCount: 3 });
      const certificate = await readFile(path.join(out, "ratls.pem"), "utf8");
      expect(certificateNames(certificate)).toEqual(["localhost", "127.0.0.1", "app.internal"]);
      // Reached on another interface than loopback, presenting the same certificate.
      const address = nonLoopbackIpv4();
      expect(address, "this machine has no IPv4 address besides loopback").toBeDefined();
      const live = await fetchPeerCertificate(address!, port);
      expect(live.replace(/\s+/g, "")).toBe(certificate.replace(/\s+/g, ""));
      const evidence = JSON.parse(await readFile(path.join(out, "evidence.json"), "utf8")) as {
        spawn_args: Record<string, unknown>;
      };
      expect(evidence.spawn_args).toMatchObject({ host: "localhost", san: ["127.0.0.1", "app.internal"] });
    }, 180_000);

    it("verifies the --san names: MRENCLAVE recomputed from the package binds them, the certificate carries them", async () => {
      const verify = (evidence: string, output: string) =>
        runCli([
          "verify",
          "--evidence",
          evidence,
          "--package",
          packagePath,
          "--simulation",
          "--output",
          output,
          "--json",
        ]);
      const accepted = JSON.parse(
        ok(await verify(path.join(out, "evidence.json"), path.join(work, "v1"))).stdout,
      ) as {
        accepted: boolean;
        report: { checks: { name: string; ok: boolean; reason: string }[] };
      };
      expect(accepted.accepted).toBe(true);
      expect(accepted.report.checks.find((check) => check.name === "ratls.certificate.names")).toEqual({
        name: "ratls.certificate.names",
        ok: true,
        reason: "the certificate names localhost, 127.0.0.1, app.internal, as spawned",
      });

      // Evidence that leaves a name out: the recomputed MRENCLAVE and the names both disagree.
      const evidence = JSON.parse(await readFile(path.join(out, "evidence.json"), "utf8")) as {
        spawn_args: { san?: string[] };
      };
      evidence.spawn_args.san = ["127.0.0.1"];
      const tampered = path.join(work, "tampered-evidence.json");
      await writeFile(tampered, JSON.stringify(evidence));
      const refused = await verify(tampered, path.join(work, "v2"));
      expect(refused.code).toBe(1);
      const result = JSON.parse(refused.stdout) as { accepted: boolean; reasons: { check: string }[] };
      expect(result.accepted).toBe(false);
      expect(result.reasons.map((reason) => reason.check)).toEqual(
        expect.arrayContaining(["enclave.mrenclave", "ratls.certificate.names"]),
      );
    }, 180_000);

    it("shows the restart policy, the restart count, uptime, CPU time and memory in status", async () => {
      const status = await statusJson(name);
      expect(status).toMatchObject({
        state: "waiting for secrets",
        sans: ["127.0.0.1", "app.internal"],
        address: `127.0.0.1:${port}`,
        bind: "0.0.0.0",
        restartPolicy: "on-failure:3",
        restartCount: 0,
      });
      expect(status.uptimeSeconds).toBeGreaterThanOrEqual(0);
      const resources = status.resources as {
        cpuSeconds: number;
        memoryBytes: number;
        memoryLimitBytes: number;
      };
      expect(resources.cpuSeconds).toBeGreaterThan(0);
      expect(resources.memoryBytes).toBeGreaterThan(1024 * 1024);
      expect(resources.memoryLimitBytes).toBeGreaterThan(resources.memoryBytes);
      const human = ok(await runCli(["status", name])).stdout;
      expect(human).toMatch(/Restart policy: +on-failure:3 \(0 restarts by the engine\)/);
      expect(human).toMatch(new RegExp(`Port: +${port} \\(published on 0\\.0\\.0\\.0:${port}\\)`));
      expect(human).toMatch(/Memory: +[0-9.]+ MiB of [0-9.]+ [MG]iB/);
      expect(human).toMatch(/Also named: +127\.0\.0\.1, app\.internal/);
    }, 60_000);

    it("filters list by state and mode, and refuses an unknown key with one sentence, exit 2", async () => {
      const names = async (...filters: string[]) =>
        (
          JSON.parse(
            ok(await runCli(["list", "--json", ...filters.flatMap((filter) => ["--filter", filter])])).stdout,
          ) as { name: string }[]
        ).map((app) => app.name);
      expect(await names("mode=simulation")).toContain(name);
      expect(await names("mode=sgx")).not.toContain(name);
      expect(await names("state=waiting-for-secrets", "mode=simulation")).toContain(name);
      expect(await names("state=running", "state=stopped")).not.toContain(name);
      expect(await names("state=running", "state=waiting-for-secrets")).toContain(name);
      const unknown = await runCli(["list", "--filter", "color=red"]);
      expect(errorOf(unknown, 2)).toBe(
        'error: invalid --filter "color=red": unknown key "color" (the keys are state and mode).',
      );
      expect(unknown.stdout).toBe("");
    }, 60_000);

    it("works with an app spawned before restart policies and further names: status, run, restart, stop", async () => {
      // What the earlier spawn created: the same labels, one --san, and Docker's default policy "no".
      const signerKey = path.join(work, "old-signer.pem");
      await generateSignerKey(signerKey);
      const extracted = await extractPackage(packagePath, path.join(work, "old-package"));
      const oldPort = await freePort();
      const old = await startAppContainer(engine, {
        name: oldName,
        image: appImageTag(name),
        launch: simulationLaunch({
          appId: randomUUID(),
          expiration: Math.floor(Date.now() / 1000) + 86_400,
        }),
        port: oldPort,
        inputs: { appTar: extracted.files["app.tar"], signerKey, simulationPlatformDir: platformDir },
        healthcheckEndpoint: "/health",
        version: "0.1.0",
      });
      expect(Object.keys(old.labels).sort()).toEqual(
        [
          "application",
          "appId",
          "expiration",
          "healthcheckEndpoint",
          "host",
          "image",
          "mode",
          "name",
          "port",
          "sizeMb",
          "version",
        ].sort(),
      );
      expect(old.launch.extraSans).toEqual([]);
      expect(old.restartPolicy).toEqual({ name: "no" });

      await expect
        .poll(async () => (await statusJson(oldName)).state, { timeout: 60_000, interval: 500 })
        .toBe("waiting for secrets");
      expect(await statusJson(oldName)).toMatchObject({ restartPolicy: "no", restartCount: 0, sans: [] });
      const run = ok(await runCli(["run", oldName, "--secrets", path.join(project, "secrets.json")]));
      expect(run.stdout).toContain(`${oldName} is running`);
      expect(ok(await runCli(["restart", oldName])).stdout).toBe(`Restarted ${oldName}: running.\n`);

      // Several apps at once: each reported, an unknown one named, exit 1.
      const both = JSON.parse(ok(await runCli(["status", name, oldName, "--json"])).stdout) as {
        name: string;
        state: string;
      }[];
      expect(both.map((status) => [status.name, status.state])).toEqual([
        [name, "waiting for secrets"],
        [oldName, "running"],
      ]);
      const missing = `no-such-app-${randomUUID().slice(0, 8)}`;
      const stop = await runCli(["stop", oldName, missing, name]);
      expect(errorOf(stop)).toBe(
        `error: stop failed for 1 of 3 apps: "${missing}" (no msehome app named "${missing}" exists on this Docker engine (msehome list shows the apps)).`,
      );
      expect(stop.stdout).toBe(`Stopped ${oldName}.\nStopped ${name}.\n`);
      for (const app of [name, oldName]) expect((await statusJson(app)).state).toBe("stopped");
      ok(await runCli(["stop", "--remove", oldName]));
    }, 240_000);
  });

  describe("on an engine that stops and starts again", () => {
    let isolated: IsolatedDockerd | undefined;
    const restartedName = uniqueName("fleet-reboot");
    const env = (): NodeJS.ProcessEnv => ({ DOCKER_HOST: isolated!.host });

    beforeAll(async () => {
      isolated = await startIsolatedDockerd();
    }, 120_000);

    afterAll(async () => {
      await isolated?.remove();
    }, 120_000);

    it("brings an app with the default policy back serving the same certificate, without a new run", async () => {
      const out = path.join(work, "reboot");
      const port = await freePort();
      ok(await runCli(spawnArgs(restartedName, out, port), { env: env() }));
      const certificate = await readFile(path.join(out, "ratls.pem"), "utf8");
      ok(
        await runCli(["run", restartedName, "--secrets", path.join(project, "secrets.json")], { env: env() }),
      );
      expect(await statusJson(restartedName, env())).toMatchObject({
        state: "running",
        restartPolicy: "unless-stopped",
        restartCount: 0,
      });
      const startedBefore = (await statusJson(restartedName, env())).startedAt as string;

      await isolated!.stop();
      await isolated!.start();

      // The engine starts it again by itself; the enclave finds its configuration in its storage.
      await expect
        .poll(async () => (await statusJson(restartedName, env())).state, {
          timeout: 90_000,
          interval: 1_000,
        })
        .toBe("running");
      const after = await statusJson(restartedName, env());
      expect(after.startedAt).not.toBe(startedBefore);
      const live = await fetchPeerCertificate("127.0.0.1", port);
      expect(live.replace(/\s+/g, "")).toBe(certificate.replace(/\s+/g, ""));
      ok(await runCli(["stop", "--remove", restartedName], { env: env() }));
    }, 300_000);
  });
});

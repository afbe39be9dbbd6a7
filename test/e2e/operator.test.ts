// The SGX operator's commands end to end, as the operator runs them, with real containers from
// the offline simulation base image, a scaffolded and packaged app, and the simulated PCCS on
// 127.0.0.1: spawn → status/list → evidence (which verifies) → run with sealed secrets → test →
// stop → restart → stop --remove, and the failures each a sentence that leaves nothing behind.
import { spawn } from "node:child_process";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseQuote } from "../../src/attestation/quote.js";
import { recordedPccsHandler } from "../../src/attestation/testing/recordedPccs.js";
import { enclavePublicKeyFromReportData, extractQuoteFromCertificate } from "../../src/attestation/ratls.js";
import { sealBox } from "../../src/crypto/sealedBox.js";
import { readAppSignerKey, runAppDryRun } from "../../src/docker/appContainer.js";
import { getAppContainer } from "../../src/docker/appContainerLookup.js";
import { findContainer } from "../../src/docker/container.js";
import { listVolumesByLabel } from "../../src/docker/volumes.js";
import { inspectImage, removeImage } from "../../src/docker/images.js";
import { parseEvidence } from "../../src/model/evidence.js";
import { extractPackage } from "../../src/package/packageReader.js";
import { launchArgumentsFromSpawnArgs } from "../../src/model/launchArguments.js";
import { appImageTag } from "../../src/operator/appImage.js";
import { OperatorInputError } from "../../src/operator/errors.js";
import { spawnApp } from "../../src/operator/spawn.js";
import { imageRepositoryFor, packageApp } from "../../src/provider/package.js";
import { scaffold } from "../../src/provider/scaffold.js";
import { startPccsServer, type PccsServer } from "../../src/simulation/pccsServer.js";
import { initPlatform } from "../../src/simulation/platform.js";
import { ensureBaseImage, SIMULATION_BASE_IMAGE } from "../support/baseImage.js";
import { CLI_PATH, type CliRun, runCli } from "../support/cli.js";
import { describeDocker, removeAppNamed, testEngine } from "../support/docker.js";
import { fakeSgxHost } from "../support/fakeSgxHost.js";
import { writeLocalEsmPackage } from "../support/npmPackage.js";
import { freePort, uniqueName } from "../support/unique.js";

interface Workspace {
  dir: string;
  packagePath: string;
  imageId: string;
  project: string;
}

/** The error sentence: stderr's last line, the only one starting with "error:". */
function errorOf(run: CliRun, code = 1): string {
  expect(run.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(code);
  const lines = run.stderr.trim().split("\n");
  expect(lines.filter((line) => line.startsWith("error:"))).toHaveLength(1);
  expect(lines.at(-1)).toMatch(/^error: /);
  return lines.at(-1)!;
}

function ok(run: CliRun): CliRun {
  expect(run.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(0);
  return run;
}

describeDocker("SGX operator commands (simulation)", () => {
  const engine = testEngine();
  const name = uniqueName("op-e2e");
  const crashName = uniqueName("op-crash");
  const containers = [name, crashName];
  const images: string[] = [];
  let work: string;
  let platformDir: string;
  let pccs: PccsServer;
  let app: Workspace;
  let crash: Workspace;
  let port: number;
  let out: string;
  let secretsFile: string;
  let sealedSource: string;

  /** Scaffolds and packages an app whose image is its own (a unique label), then drops the image from the engine. */
  async function packaged(appName: string, dockerfileTail = ""): Promise<Workspace> {
    const base = (await inspectImage(engine, await ensureBaseImage()))!.id;
    const dir = path.join(work, appName);
    await mkdir(dir);
    const { directory } = await scaffold(appName, { parentDir: dir });
    const dockerfile = path.join(directory, "Dockerfile");
    await writeFile(
      dockerfile,
      `${await readFile(dockerfile, "utf8")}\nLABEL msehome.test="${appName}"\n${dockerfileTail}`,
    );
    const result = await packageApp({
      project: directory,
      output: path.join(dir, "package"),
      baseImage: base,
      engine,
    });
    images.push(result.image.id);
    // The operator's engine must load the image from the package, as on another machine.
    await removeImage(engine, `${imageRepositoryFor(appName)}:latest`, { ignoreMissing: true });
    expect(await inspectImage(engine, result.image.id)).toBeUndefined();
    return { dir, packagePath: result.package.path, imageId: result.image.id, project: directory };
  }

  function spawnArgs(appName: string, workspace: Workspace, output: string, appPort: number): string[] {
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
      workspace.packagePath,
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
    ];
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "msehome-e2e-operator-"));
    platformDir = path.join(work, "platform");
    await initPlatform(platformDir);
    pccs = await startPccsServer({ host: "127.0.0.1", port: 0, platformDir, tls: true });
    app = await packaged(name);
    crash = await packaged(
      crashName,
      'ENTRYPOINT ["/bin/sh", "-c", "echo starting the enclave; echo the enclave cannot start >&2; exit 3", "--"]\n',
    );
    secretsFile = path.join(app.project, "secrets.json");
    sealedSource = path.join(app.project, "secrets_to_seal.json");
    port = await freePort();
    out = path.join(work, "operator");
  }, 300_000);

  afterAll(async () => {
    for (const container of containers) {
      await removeAppNamed(container);
    }
    for (const container of containers)
      await removeImage(engine, appImageTag(container), { ignoreMissing: true }).catch(() => undefined);
    for (const image of images)
      await removeImage(engine, image, { force: true, ignoreMissing: true }).catch(() => undefined);
    await pccs?.close();
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

  it("refuses a busy port, a size that is no power of two and an unreachable engine, before doing anything", async () => {
    const holder: Server = createServer();
    const busy = await freePort();
    await new Promise<void>((resolve) => holder.listen(busy, "127.0.0.1", resolve));
    try {
      const output = path.join(work, "refused");
      expect(errorOf(await runCli(spawnArgs(name, app, output, busy)))).toMatch(
        new RegExp(
          `port 127.0.0.1:${busy} is not available \\(something listens there\\); choose another --port`,
        ),
      );
      const size = spawnArgs(name, app, output, port).map((arg) => (arg === "2048" ? "3000" : arg));
      expect(errorOf(await runCli(size), 2)).toMatch(/invalid --size 3000: it is not a power of two/);
      const hardware = spawnArgs(name, app, output, port)
        .slice(0, 15)
        .map((arg) => (arg === "2048" ? "1024" : arg));
      expect(errorOf(await runCli(hardware), 2)).toMatch(
        /invalid --size 1024: an SGX enclave for a Node app needs at least 2048 MB \(Node expects about 1\.7 GB of heap when it starts\)/,
      );
      const unreachable = await runCli(spawnArgs(name, app, output, port), {
        env: { DOCKER_HOST: "tcp://127.0.0.1:1" },
      });
      expect(errorOf(unreachable)).toMatch(
        /cannot reach the Docker engine at tcp:\/\/127.0.0.1:1 \(connection refused\)/,
      );
      expect(existsSync(output)).toBe(false);
      expect(await findContainer(engine, name)).toBeUndefined();
      expect(await inspectImage(engine, app.imageId)).toBeUndefined();
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 60_000);

  it("refuses on SGX hardware a package built on the simulation-only base, leaving nothing behind", async () => {
    // A host that passes every check spawn makes, with a PCCS replaying Intel's collateral.
    const host = await fakeSgxHost(path.join(work, "sgx-host"));
    const intelPccs = createHttpServer(recordedPccsHandler(4));
    await new Promise<void>((resolve) => intelPccs.listen(0, "127.0.0.1", resolve));
    const hardwareName = uniqueName("op-sgx");
    const output = path.join(work, "sgx-refused");
    const phases: string[] = [];
    try {
      const error = await spawnApp({
        name: hardwareName,
        host: "localhost",
        port: await freePort(),
        sizeMb: 2048,
        packagePath: app.packagePath,
        outputDir: output,
        pccsUrl: `http://127.0.0.1:${(intelPccs.address() as AddressInfo).port}`,
        hostRoot: host.root,
        engine,
        onPhase: (phase) => phases.push(phase),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OperatorInputError);
      // Told by the image's configuration inside image.tar: refused before anything was loaded or written.
      expect(phases).toEqual(["Checking the inputs"]);
      expect((error as Error).message).toBe(
        `the package's image is built on the simulation-only base image (${SIMULATION_BASE_IMAGE}), which has no Gramine and cannot run on SGX hardware; the code provider must package the app on the SGX base image (msehome package without --simulation, after scripts/build-base-image.sh --sgx), or spawn it on a simulated platform with --simulation`,
      );
      expect(existsSync(output)).toBe(false);
      expect(await findContainer(engine, hardwareName)).toBeUndefined();
      expect(await inspectImage(engine, appImageTag(hardwareName))).toBeUndefined();
      expect(await inspectImage(engine, app.imageId)).toBeUndefined();
    } finally {
      await new Promise((resolve) => intelPccs.close(resolve));
      await host.close();
    }
  }, 120_000);

  it("spawns: loads the image, waits for the configuration server, writes the evidence and the test inputs", async () => {
    const run = ok(await runCli(spawnArgs(name, app, out, port)));
    expect(run.stdout).toContain(`Spawned ${name} on a SIMULATED SGX platform: waiting for secrets.`);
    expect(run.stderr).toContain("simulated SGX platform");
    for (const entry of ["evidence.json", "ratls.pem", "mse.toml", "tests/app.test.mjs", "enclave-key.pem"]) {
      expect(existsSync(path.join(out, entry)), entry).toBe(true);
    }
    // The code and the signer key reached the app through the engine, not through DIR.
    expect(existsSync(path.join(out, "input"))).toBe(false);
    const spawned = await getAppContainer(engine, name);
    expect(await readAppSignerKey(engine, spawned)).toBe(
      await readFile(path.join(out, "enclave-key.pem"), "utf8"),
    );
    const evidence = parseEvidence(await readFile(path.join(out, "evidence.json"), "utf8"), "evidence.json");
    expect(evidence.mode).toBe("simulation");
    expect(evidence.spawnArgs).toMatchObject({ host: "localhost", size: 2048, application: "app.mjs:app" });
    expect(evidence.certificatePem).toBe(await readFile(path.join(out, "ratls.pem"), "utf8"));
    const image = await inspectImage(engine, app.imageId);
    expect(image?.tags).toEqual([appImageTag(name)]);
  }, 120_000);

  it("refuses a taken name and the port of an existing app", async () => {
    const other = path.join(work, "taken");
    expect(errorOf(await runCli(spawnArgs(name, app, other, await freePort())))).toMatch(
      new RegExp(
        `an msehome app named "${name}" already exists \\(its container is running\\); remove it with "msehome stop ${name} --remove", or choose another name`,
      ),
    );
    expect(errorOf(await runCli(spawnArgs(uniqueName("op-other"), app, other, port)))).toMatch(
      new RegExp(
        `port 127.0.0.1:${port} is not available \\(the msehome app "${name}" \\(running\\) has it\\)`,
      ),
    );
    expect(existsSync(other)).toBe(false);
  }, 60_000);

  it("reports the app as waiting for secrets in status and list", async () => {
    const status = JSON.parse(ok(await runCli(["status", name, "--json"])).stdout) as Record<string, unknown>;
    expect(status).toMatchObject({
      name,
      mode: "simulation",
      state: "waiting for secrets",
      sizeMb: 2048,
      host: "localhost",
      port,
      healthcheckEndpoint: "/health",
    });
    expect(status.daysLeft).toBe(364);
    const human = ok(await runCli(["status", name])).stdout;
    expect(human).toMatch(/State: +waiting for secrets/);
    expect(human).toMatch(/Expires at: +\S+ \(364 days left\)/);
    const list = JSON.parse(ok(await runCli(["list", "--json"])).stdout) as { name: string; state: string }[];
    expect(list.find((entry) => entry.name === name)?.state).toBe("waiting for secrets");
    const table = ok(await runCli(["list"])).stdout;
    expect(table.split("\n")[0]).toMatch(/^NAME +STATE +MODE +HOST +PORT +SIZE +STARTED +EXPIRES$/);
    expect(table).toMatch(
      new RegExp(`^${name} +waiting for secrets +simulation +localhost +${port} +2048M`, "m"),
    );
  }, 60_000);

  it("collects evidence again, which the code provider's verify accepts with the recomputed MRENCLAVE", async () => {
    const again = path.join(work, "evidence-again");
    const run = ok(
      await runCli(["evidence", name, "--output", again, "--pccs", pccs.url, "--pccs-insecure-tls"]),
    );
    expect(run.stdout).toContain("(SIMULATED SGX platform)");
    const evidence = parseEvidence(
      await readFile(path.join(again, "evidence.json"), "utf8"),
      "evidence.json",
    );
    const first = parseEvidence(await readFile(path.join(out, "evidence.json"), "utf8"), "evidence.json");
    expect(evidence.spawnArgs).toEqual(first.spawnArgs);
    expect(evidence.certificatePem).toBe(first.certificatePem);
    expect(evidence.signerPublicKeyPem).toBe(first.signerPublicKeyPem);

    const extracted = await extractPackage(app.packagePath, path.join(work, "provider-package"));
    const dryRun = await runAppDryRun(engine, {
      image: appImageTag(name),
      launch: launchArgumentsFromSpawnArgs(evidence.spawnArgs, "simulation", { subprocesses: false }),
      appTar: extracted.files["app.tar"],
    });
    const mrenclave = /Measurement:\n {4}([0-9a-f]{64})/.exec(dryRun.stdout)?.[1];
    expect(mrenclave, dryRun.stdout + dryRun.stderr).toBeDefined();
    const provider = path.join(work, "provider-verified");
    ok(
      await runCli([
        "verify",
        "--evidence",
        path.join(again, "evidence.json"),
        "--output",
        provider,
        "--mrenclave",
        mrenclave!,
        "--simulation",
      ]),
    );
    const wrong = await runCli([
      "verify",
      "--evidence",
      path.join(again, "evidence.json"),
      "--output",
      provider,
      "--mrenclave",
      "00".repeat(32),
      "--simulation",
    ]);
    expect(wrong.code).toBe(1);
  }, 120_000);

  it("refuses secret files of the wrong format, leaving the app waiting", async () => {
    const notJson = path.join(work, "secrets.txt");
    await writeFile(notJson, "result_aes_key=0011");
    expect(errorOf(await runCli(["run", name, "--secrets", notJson]), 2)).toMatch(
      /--secrets .*secrets.txt is not a JSON document/,
    );
    expect(errorOf(await runCli(["run", name, "--sealed-secrets", sealedSource]), 2)).toMatch(
      /is plain JSON, not a sealed box; the code provider seals it with `msehome seal`/,
    );
    expect(errorOf(await runCli(["run", name, "--key", secretsFile]), 2)).toMatch(/does not hold a code key/);
    expect(JSON.parse(ok(await runCli(["status", name, "--json"])).stdout).state).toBe("waiting for secrets");
  }, 60_000);

  it("runs the app with secrets and sealed secrets, then refuses to run it twice", async () => {
    const certificate = await readFile(path.join(out, "ratls.pem"), "utf8");
    const enclaveKey = enclavePublicKeyFromReportData(
      parseQuote(extractQuoteFromCertificate(certificate)).reportBody.reportData,
    );
    const sealed = path.join(work, "secrets_to_seal.json.sealed");
    await writeFile(sealed, sealBox(await readFile(sealedSource), enclaveKey));
    const run = ok(await runCli(["run", name, "--secrets", secretsFile, "--sealed-secrets", sealed]));
    expect(run.stdout).toContain(
      `${name} is running (healthcheck /health answered HTTP 200); sent secrets, sealed secrets`,
    );
    expect(JSON.parse(ok(await runCli(["status", name, "--json"])).stdout).state).toBe("running");
    expect(errorOf(await runCli(["run", name, "--secrets", secretsFile]))).toBe(
      `error: the app "${name}" is not waiting for secrets: it already runs: it was given its configuration before.`,
    );
  }, 120_000);

  it("runs the provider's tests against the app over RA-TLS", async () => {
    const run = ok(
      await runCli(
        ["test", name, "--test", path.join(out, "tests"), "--config", path.join(out, "mse.toml")],
        {
          env: { TEST_SECRET_JSON: secretsFile, TEST_SEALED_SECRET_JSON: sealedSource },
        },
      ),
    );
    expect(run.stdout).toMatch(/^# pass 4$/m);
    expect(run.stdout).toMatch(/^# fail 0$/m);
    expect(run.stdout).toContain(`The tests of ${name} passed against https://localhost:${port}.`);
  }, 120_000);

  it("prints the app's logs", async () => {
    const run = ok(await runCli(["logs", name]));
    expect(run.stderr).toContain("the application app.mjs:app is serving on port 443");
  }, 30_000);

  it("stops the app (a follower of its logs ends with it), then restarts it serving again", async () => {
    const follower = runCli(["logs", name, "--follow", "--tail", "1"]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(ok(await runCli(["stop", name])).stdout).toBe(`Stopped ${name}.\n`);
    const followed = await follower;
    expect(followed.code).toBe(0);
    expect(followed.stderr).toContain("received SIGTERM");
    expect(JSON.parse(ok(await runCli(["status", name, "--json"])).stdout)).toMatchObject({
      state: "stopped",
    });
    expect(ok(await runCli(["stop", name])).stdout).toBe(`${name} was not running.\n`);

    expect(ok(await runCli(["restart", name])).stdout).toBe(`Restarted ${name}: running.\n`);
    const tests = ok(
      await runCli(
        ["test", name, "--test", path.join(out, "tests"), "--config", path.join(out, "mse.toml")],
        {
          env: { TEST_SECRET_JSON: secretsFile, TEST_SEALED_SECRET_JSON: sealedSource },
        },
      ),
    );
    expect(tests.stdout).toMatch(/^# pass 4$/m);
  }, 120_000);

  it("installs tests_requirements with npm into a copy of the tests, which trust the app's certificate", async () => {
    // Strict TLS (no rejectUnauthorized: false): only NODE_EXTRA_CA_CERTS makes the app trusted.
    const requirement = await writeLocalEsmPackage(
      path.join(work, "health-module"),
      "msehome-health-module",
      "export async function health(base) { return (await fetch(new URL('/health', base))).status; }\n",
    );
    const tests = path.join(work, "strict-tests");
    await mkdir(tests);
    await writeFile(
      path.join(tests, "health.test.mjs"),
      [
        'import assert from "node:assert/strict";',
        'import { test } from "node:test";',
        'import { health } from "msehome-health-module";',
        'test("health over verified TLS", async () => assert.equal(await health(process.env.TEST_REMOTE_URL), 200));',
        "",
      ].join("\n"),
    );
    const config = path.join(work, "strict-mse.toml");
    const original = await readFile(path.join(out, "mse.toml"), "utf8");
    await writeFile(
      config,
      original.replace(/^tests_requirements = .*$/m, `tests_requirements = ["${requirement}"]`),
    );
    const run = ok(await runCli(["test", name, "--test", tests, "--config", config]));
    expect(run.stdout).toMatch(/^# pass 1$/m);
    expect(existsSync(path.join(tests, "node_modules"))).toBe(false);

    const failing = path.join(work, "failing-tests");
    await mkdir(failing);
    await writeFile(
      path.join(failing, "fail.test.mjs"),
      'import { test } from "node:test";\ntest("fails", () => { throw new Error("no"); });\n',
    );
    expect(
      errorOf(await runCli(["test", name, "--test", failing, "--config", path.join(out, "mse.toml")])),
    ).toBe(`error: the tests of "${name}" failed (tests_cmd exited with code 1).`);
  }, 120_000);

  it("removes the app, its container, its volumes and its image with stop --remove", async () => {
    expect(await listVolumesByLabel(engine, { "msehome.app": name })).toHaveLength(2);
    expect(ok(await runCli(["stop", name, "--remove"])).stdout).toBe(
      `Stopped ${name}; removed its container and its 2 volumes, and released the image ${appImageTag(name)}.\n`,
    );
    expect(await findContainer(engine, name)).toBeUndefined();
    expect(await listVolumesByLabel(engine, { "msehome.app": name })).toEqual([]);
    expect(await inspectImage(engine, app.imageId)).toBeUndefined();
    const list = JSON.parse(ok(await runCli(["list", "--json"])).stdout) as { name: string }[];
    expect(list.map((entry) => entry.name)).not.toContain(name);
  }, 60_000);

  it("undoes a spawn interrupted with Ctrl-C while it waits for the configuration server", async () => {
    const output = path.join(work, "interrupted");
    const child = spawn(process.execPath, [CLI_PATH, ...spawnArgs(name, app, output, await freePort())], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let interrupted = false;
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      // One Ctrl-C undoes the spawn (a second one would quit at once).
      if (!interrupted && chunk.includes("Waiting for the configuration server")) {
        interrupted = true;
        child.kill("SIGINT");
      }
    });
    const [code] = (await once(child, "close")) as [number];
    expect(code, stderr).toBe(130);
    expect(stderr.trim().split("\n").at(-1)).toBe(
      `error: spawn of "${name}" was interrupted; what it had created was removed.`,
    );
    expect(existsSync(output)).toBe(false);
    expect(await findContainer(engine, name)).toBeUndefined();
    expect(await listVolumesByLabel(engine, { "msehome.app": name })).toEqual([]);
    expect(await inspectImage(engine, app.imageId)).toBeUndefined();
  }, 120_000);

  it("says so in one sentence for an unknown app, whatever the command", async () => {
    const unknown = `no-such-app-${randomUUID().slice(0, 8)}`;
    const sentence = `error: no msehome app named "${unknown}" exists on this Docker engine (msehome list shows the apps).`;
    const commands = [
      ["status", unknown],
      ["stop", unknown],
      ["stop", "--remove", unknown],
      ["restart", unknown],
      ["logs", unknown],
      ["run", unknown, "--secrets", secretsFile],
      [
        "evidence",
        unknown,
        "--output",
        path.join(work, "unknown"),
        "--pccs",
        pccs.url,
        "--pccs-insecure-tls",
      ],
      ["test", unknown, "--test", path.join(out, "tests"), "--config", path.join(out, "mse.toml")],
    ];
    for (const command of commands) {
      const run = await runCli(command);
      expect(errorOf(run), command.join(" ")).toBe(sentence);
      expect(run.stdout).toBe("");
    }
    expect(existsSync(path.join(work, "unknown"))).toBe(false);
  }, 60_000);

  it("says so in one sentence when the engine is unreachable", async () => {
    for (const command of [["list"], ["status", name], ["stop", name], ["logs", name]]) {
      const run = await runCli(command, { env: { DOCKER_HOST: "tcp://127.0.0.1:1" } });
      expect(errorOf(run)).toBe(
        "error: cannot reach the Docker engine at tcp://127.0.0.1:1 (connection refused); start Docker or point DOCKER_HOST at a running engine.",
      );
    }
  }, 60_000);

  it("prints the logs of a container that crashes during spawn and leaves nothing behind", async () => {
    const output = path.join(work, "crash");
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 3072, publicExponent: 3 });
    const signerKey = path.join(work, "operator-signer.pem");
    await writeFile(signerKey, privateKey.export({ type: "pkcs8", format: "pem" }));
    const run = await runCli([
      ...spawnArgs(crashName, crash, output, await freePort()),
      "--signer-key",
      signerKey,
    ]);
    expect(errorOf(run)).toBe(
      `error: the app "${crashName}" stopped with exit code 3 while waiting for its configuration server (its last log lines are printed above).`,
    );
    // Both of the container's streams, in the order the engine recorded them.
    const logs = /--- last log lines of (\S+) ---\n([\s\S]*?)--- end of logs ---/.exec(run.stderr);
    expect(logs?.[1]).toBe(crashName);
    expect(logs?.[2]?.split("\n").filter(Boolean).sort()).toEqual([
      "starting the enclave",
      "the enclave cannot start",
    ]);
    expect(existsSync(output)).toBe(false);
    expect(existsSync(signerKey)).toBe(true);
    expect(await findContainer(engine, crashName)).toBeUndefined();
    expect(await listVolumesByLabel(engine, { "msehome.app": crashName })).toEqual([]);
    expect(await inspectImage(engine, crash.imageId)).toBeUndefined();
  }, 120_000);
});

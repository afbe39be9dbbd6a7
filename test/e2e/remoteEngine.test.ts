// The operator's whole flow against a Docker engine on another machine: a second, isolated
// engine with its own filesystem, reached over TCP with mutual TLS and over SSH. The code, the
// signer key and the simulated platform reach the app through the Engine API only (none of the
// operator's paths exist over there); the app's port is reached at the engine's host over TCP and
// through the SSH connection over SSH; the evidence verifies on the provider's side as before.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseQuote } from "../../src/attestation/quote.js";
import { enclavePublicKeyFromReportData, extractQuoteFromCertificate } from "../../src/attestation/ratls.js";
import { sealBox } from "../../src/crypto/sealedBox.js";
import { inspectImage, removeImage } from "../../src/docker/images.js";
import { parseEvidence } from "../../src/model/evidence.js";
import { imageRepositoryFor, packageApp } from "../../src/provider/package.js";
import { scaffold } from "../../src/provider/scaffold.js";
import { startPccsServer, type PccsServer } from "../../src/simulation/pccsServer.js";
import { initPlatform } from "../../src/simulation/platform.js";
import { ensureBaseImage, SGX_BASE_IMAGE } from "../support/baseImage.js";
import { type CliRun, runCli } from "../support/cli.js";
import { describeDocker, testEngine } from "../support/docker.js";
import { type EngineMachine, startEngineMachine } from "../support/remoteEngineMachine.js";
import { uniqueName } from "../support/unique.js";

function ok(run: CliRun): CliRun {
  expect(run.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(0);
  return run;
}

function errorOf(run: CliRun, code = 1): string {
  expect(run.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(code);
  const lines = run.stderr.trim().split("\n");
  expect(lines.filter((line) => line.startsWith("error:"))).toHaveLength(1);
  return lines.at(-1)!;
}

describeDocker("the operator against a remote Docker engine (isolated engine, simulation)", () => {
  const outer = testEngine();
  let work: string;
  let platformDir: string;
  let pccs: PccsServer;
  let packagePath: string;
  let project: string;
  let imageId: string;
  let remote: EngineMachine;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "msehome-e2e-remote-"));
    platformDir = path.join(work, "platform");
    await initPlatform(platformDir);
    pccs = await startPccsServer({ host: "127.0.0.1", port: 0, platformDir, tls: true });
    const appName = uniqueName("remote-app");
    const { directory } = await scaffold(appName, { parentDir: work });
    project = directory;
    const base = (await inspectImage(outer, await ensureBaseImage()))!.id;
    const packaged = await packageApp({
      project,
      output: path.join(work, "package"),
      baseImage: base,
      engine: outer,
    });
    packagePath = packaged.package.path;
    imageId = packaged.image.id;
    await removeImage(outer, `${imageRepositoryFor(appName)}:latest`, { ignoreMissing: true });
    await mkdir(path.join(work, "engine"));
    remote = await startEngineMachine(outer, path.join(work, "engine"), uniqueName("msehome-remote"));
  }, 600_000);

  afterAll(async () => {
    await remote?.remove();
    await removeImage(outer, imageId, { force: true, ignoreMissing: true }).catch(() => undefined);
    await pccs?.close();
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

  /** spawn → status/list → evidence (verified by the provider) → run → test → logs → stop → restart → stop --remove. */
  async function wholeFlow(transport: "tcp" | "ssh"): Promise<void> {
    const env = transport === "tcp" ? remote.tlsEnv : remote.sshEnv;
    const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
      runCli(args, { env: { ...env, ...extra } });
    const name = uniqueName(`remote-${transport}`);
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const out = path.join(work, `operator-${transport}`);
    const engineAddress =
      transport === "tcp" ? `https://${remote.address}:2376` : `ssh://root@${remote.address}`;

    // Over TCP the port must be published where this machine reaches it; over SSH loopback is fine.
    const bind = transport === "tcp" ? ["--bind", "0.0.0.0"] : [];
    const spawned = ok(
      await cli([
        "spawn",
        name,
        "--host",
        "localhost",
        "--port",
        String(port),
        "--size",
        "2048",
        "--package",
        packagePath,
        "--output",
        out,
        "--pccs",
        pccs.url,
        "--pccs-insecure-tls",
        "--simulation",
        "--platform",
        platformDir,
        "--timeout",
        "3",
        ...bind,
      ]),
    );
    expect(spawned.stdout).toContain(`Spawned ${name} on a SIMULATED SGX platform: waiting for secrets.`);
    // None of the operator's files exist on the engine's machine: everything went through the API.
    for (const local of [packagePath, platformDir, out, path.join(out, "enclave-key.pem")]) {
      expect(await remote.hasFile(local), local).toBe(false);
    }
    expect(await remote.hasFile("/run/docker.sock")).toBe(true);

    const status = JSON.parse(ok(await cli(["status", name, "--json"])).stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ name, state: "waiting for secrets", engine: engineAddress });
    expect(status.address).toBe(
      transport === "tcp" ? `${remote.address}:${port}` : `127.0.0.1:${port} on ssh://root@${remote.address}`,
    );
    expect(ok(await cli(["status", name])).stdout).toMatch(
      new RegExp(`^Engine: +${engineAddress.replace(/[.]/g, "\\.")}$`, "m"),
    );
    const table = ok(await cli(["list"])).stdout;
    expect(table).toMatch(new RegExp(`^${name} +waiting for secrets`, "m"));
    expect(table.trimEnd().split("\n").at(-1)).toBe(`Engine: ${engineAddress}`);

    // The provider verifies the evidence with their own engine, from the package, as before.
    const evidenceDir = path.join(work, `evidence-${transport}`);
    ok(await cli(["evidence", name, "--output", evidenceDir, "--pccs", pccs.url, "--pccs-insecure-tls"]));
    const evidence = parseEvidence(
      await readFile(path.join(evidenceDir, "evidence.json"), "utf8"),
      "evidence.json",
    );
    expect(evidence.certificatePem).toBe(await readFile(path.join(out, "ratls.pem"), "utf8"));
    const verified = ok(
      await runCli([
        "verify",
        "--evidence",
        path.join(evidenceDir, "evidence.json"),
        "--package",
        packagePath,
        "--output",
        path.join(work, `provider-${transport}`),
        "--simulation",
      ]),
    );
    expect(verified.stdout + verified.stderr).toMatch(/MRENCLAVE/i);

    const secretsFile = path.join(project, "secrets.json");
    const sealedSource = path.join(project, "secrets_to_seal.json");
    const enclaveKey = enclavePublicKeyFromReportData(
      parseQuote(extractQuoteFromCertificate(evidence.certificatePem)).reportBody.reportData,
    );
    const sealed = path.join(work, `sealed-${transport}`);
    await writeFile(sealed, sealBox(await readFile(sealedSource), enclaveKey));
    expect(
      ok(await cli(["run", name, "--secrets", secretsFile, "--sealed-secrets", sealed])).stdout,
    ).toContain(`${name} is running (healthcheck /health answered HTTP 200)`);

    const tested = ok(
      await cli(["test", name, "--test", path.join(out, "tests"), "--config", path.join(out, "mse.toml")], {
        TEST_SECRET_JSON: secretsFile,
        TEST_SEALED_SECRET_JSON: sealedSource,
      }),
    );
    expect(tested.stdout).toMatch(/^# pass 4$/m);
    expect(tested.stdout).toMatch(/^# fail 0$/m);

    expect(ok(await cli(["logs", name])).stdout + "").toBeTypeOf("string");
    expect(ok(await cli(["stop", name])).stdout).toBe(`Stopped ${name}.\n`);
    expect(JSON.parse(ok(await cli(["status", name, "--json"])).stdout).state).toBe("stopped");
    expect(ok(await cli(["restart", name])).stdout).toBe(`Restarted ${name}: running.\n`);
    // The same enclave identity serves again: the certificate did not change.
    const after = path.join(work, `evidence-after-${transport}`);
    ok(await cli(["evidence", name, "--output", after, "--pccs", pccs.url, "--pccs-insecure-tls"]));
    expect(
      createHash("sha256")
        .update(await readFile(path.join(after, "ratls.pem")))
        .digest("hex"),
    ).toBe(createHash("sha256").update(evidence.certificatePem).digest("hex"));
    ok(await cli(["stop", name, "--remove"]));
    expect(JSON.parse(ok(await cli(["list", "--json"])).stdout)).toEqual([]);
  }

  it("runs the whole operator flow over TCP with mutual TLS", async () => {
    await wholeFlow("tcp");
  }, 600_000);

  it("runs the whole operator flow over SSH, reaching the app through the SSH connection", async () => {
    await wholeFlow("ssh");
  }, 600_000);

  it("refuses to publish a tcp:// engine's app on its loopback, where this machine cannot reach it", async () => {
    const run = await runCli(
      [
        "spawn",
        uniqueName("remote-lo"),
        "--host",
        "localhost",
        "--port",
        "8443",
        "--size",
        "2048",
        "--package",
        packagePath,
        "--output",
        path.join(work, "refused"),
        "--pccs",
        pccs.url,
        "--pccs-insecure-tls",
        "--simulation",
        "--platform",
        platformDir,
      ],
      { env: remote.tlsEnv },
    );
    expect(errorOf(run, 2)).toBe(
      `error: --bind 127.0.0.1: a port published on 127.0.0.1 of ${remote.address} cannot be reached from this machine over tcp://; publish it on an address of that machine (--bind 0.0.0.0 or its IP) or reach the engine over ssh://.`,
    );
  }, 60_000);

  it("finds the engine through a Docker context, and names a host key it does not know", async () => {
    const config = path.join(work, "docker-config");
    const id = createHash("sha256").update("sgx-remote").digest("hex");
    await mkdir(path.join(config, "contexts", "meta", id), { recursive: true });
    await mkdir(path.join(config, "contexts", "tls", id, "docker"), { recursive: true });
    await writeFile(
      path.join(config, "contexts", "meta", id, "meta.json"),
      JSON.stringify({
        Name: "sgx-remote",
        Metadata: {},
        Endpoints: { docker: { Host: `tcp://${remote.address}:2376`, SkipTLSVerify: false } },
      }),
    );
    for (const file of ["ca.pem", "cert.pem", "key.pem"])
      await writeFile(
        path.join(config, "contexts", "tls", id, "docker", file),
        await readFile(path.join(remote.tlsDir, file)),
      );
    await writeFile(path.join(config, "config.json"), JSON.stringify({ currentContext: "sgx-remote" }));
    const listed = ok(await runCli(["list"], { env: { DOCKER_HOST: "", DOCKER_CONFIG: config } }));
    expect(listed.stdout).toBe(
      `No msehome apps.\nEngine: https://${remote.address}:2376 (context sgx-remote)\n`,
    );

    const stranger = path.join(work, "stranger");
    await mkdir(path.join(stranger, ".ssh"), { recursive: true });
    await writeFile(
      path.join(stranger, ".ssh", "id_ed25519"),
      await readFile(path.join(remote.sshEnv.HOME!, ".ssh", "id_ed25519")),
      { mode: 0o600 },
    );
    const refused = await runCli(["list"], { env: { ...remote.sshEnv, HOME: stranger } });
    expect(errorOf(refused)).toBe(
      `error: cannot reach the Docker engine at ssh://root@${remote.address} (${remote.address} is not in known_hosts; check its host key, then add it (ssh ${remote.address} once, or ssh-keyscan)); start Docker or point DOCKER_HOST at a running engine.`,
    );
  }, 60_000);

  it("makes doctor check the engine's machine, and name it", async () => {
    const machine = `the Docker engine's machine (ssh://root@${remote.address})`;
    const run = await runCli(["doctor"], { env: remote.sshEnv });
    expect(run.code, run.stderr).toBe(1);
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^msehome \S+ doctor: can (.+) spawn enclaves on SGX hardware\?$/);
    expect(lines[0]).toContain(machine);
    // The SGX checks run in a container of the SGX base image on that engine, which it lacks.
    expect(lines[1]).toBe(
      `✗ SGX platform of ${machine}: cannot look at it: ${SGX_BASE_IMAGE} is not on the engine, and the check runs in a container of it — fix: load it there (docker save ${SGX_BASE_IMAGE} | DOCKER_HOST=ssh://root@${remote.address} docker load), or build it on that machine with scripts/build-base-image.sh --sgx`,
    );
    expect(errorOf(run)).toMatch(
      new RegExp(`^error: ${machine.replace(/[.()]/g, "\\$&")} cannot spawn enclaves`),
    );
  }, 60_000);
});

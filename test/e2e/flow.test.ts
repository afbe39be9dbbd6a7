// The whole msehome flow through the CLI, as README's Quick start walks it: the code provider and
// the SGX operator each in a directory of their own, with only the exchanged files (the package,
// evidence.json, secrets.json, the sealed secrets, encrypted results) passing between them; status
// and list checked at each stage; stop, restart and stop --remove. Also the provider's negative
// paths: a package whose code differs by one byte, simulated evidence without --simulation, a
// tampered package, an unreachable engine — each one sentence, a non-zero exit, no container left.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { cp, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { findContainer, removeContainer } from "../../src/docker/container.js";
import { inspectImage, removeImage } from "../../src/docker/images.js";
import { ONE_SHOT_LABEL } from "../../src/docker/oneShotContainer.js";
import { appImageTag } from "../../src/operator/appImage.js";
import { imageRepositoryFor } from "../../src/provider/projectInputs.js";
import { ensureBaseImage } from "../support/baseImage.js";
import { CLI_PATH, type CliRun, runCli } from "../support/cli.js";
import { describeDocker, testEngine } from "../support/docker.js";
import { freePort, uniqueName } from "../support/unique.js";

function ok(run: CliRun): CliRun {
  expect(run.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(0);
  return run;
}

/** The one error sentence a failed command ends with (exit code 1). */
function errorLine(run: CliRun): string {
  expect(run.code, run.stderr).toBe(1);
  const lines = run.stderr.trim().split("\n");
  expect(lines.filter((line) => line.startsWith("error:"))).toHaveLength(1);
  return lines.at(-1)!;
}

/** GET over TLS trusting exactly `ca` (the verified RA-TLS certificate), or the system's roots without it. */
function fetchOverRaTls(url: string, ca?: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ...(ca ? { ca } : {}), agent: false, timeout: 10_000 }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
      })
      .on("error", reject);
  });
}

interface Verification {
  accepted: boolean;
  expectedMrEnclave: string;
  report: { enclave: { mrEnclave: string }; checks: { name: string; ok: boolean }[] };
  package: { mrEnclave: string; imageId: string; loadedImage: boolean; application: string };
  ratlsCertificate: string;
}

describeDocker("the whole flow, code provider and SGX operator (simulation)", () => {
  const engine = testEngine();
  const name = uniqueName("flow");
  let work: string;
  let provider: string;
  let operator: string;
  let project: string;
  let packageFile: string;
  let alteredPackageFile: string;
  let imageId: string;
  let pccs: ChildProcessWithoutNullStreams | undefined;
  let pccsUrl: string;
  let port: number;
  let certificate: string;

  /** Runs msehome in one actor's directory. */
  const as = (cwd: string, ...args: string[]) => runCli(args, { cwd });
  const status = async () =>
    JSON.parse(ok(await as(operator, "status", name, "--json")).stdout) as { state: string; port: number };
  const listed = async () =>
    (JSON.parse(ok(await as(operator, "list", "--json")).stdout) as { name: string; state: string }[]).find(
      (entry) => entry.name === name,
    );
  const verify = (...args: string[]) =>
    as(provider, "verify", "--evidence", "evidence.json", "--output", uniqueName("trust"), ...args);

  beforeAll(async () => {
    await ensureBaseImage();
    work = await mkdtemp(path.join(tmpdir(), "msehome-e2e-flow-"));
    provider = path.join(work, "code_provider");
    operator = path.join(work, "sgx_operator");
    await mkdir(provider);
    await mkdir(operator);
  }, 600_000);

  afterAll(async () => {
    if (pccs && pccs.exitCode === null) {
      const exited = new Promise((resolve) => pccs!.once("close", resolve));
      pccs.kill("SIGTERM");
      await exited;
    }
    await removeContainer(engine, name, { force: true, ignoreMissing: true }).catch(() => undefined);
    await removeImage(engine, appImageTag(name), { ignoreMissing: true }).catch(() => undefined);
    if (imageId)
      await removeImage(engine, imageId, { force: true, ignoreMissing: true }).catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("code provider: scaffold, test-dev, package", async () => {
    ok(await as(provider, "scaffold", name));
    project = path.join(provider, name);
    // An image of its own, so that loading and removing it concerns this test only.
    const dockerfile = path.join(project, "Dockerfile");
    await writeFile(dockerfile, `${await readFile(dockerfile, "utf8")}\nLABEL msehome.test="${name}"\n`);
    const tested = ok(
      await as(
        provider,
        "test-dev",
        "--project",
        name,
        "--simulation",
        "--secrets",
        `${name}/secrets.json`,
        "--sealed-secrets",
        `${name}/secrets_to_seal.json`,
      ),
    );
    expect(tested.stderr).toMatch(/# pass 4\n/);
    const packaged = JSON.parse(
      ok(await as(provider, "package", "--project", name, "--output", "package", "--simulation", "--json"))
        .stdout,
    ) as { package: { path: string }; image: { id: string }; simulationOnly: boolean };
    expect(packaged.simulationOnly).toBe(true);
    packageFile = packaged.package.path;
    imageId = packaged.image.id;
    expect(path.dirname(packageFile)).toBe(path.join(provider, "package"));

    // The same app with one byte of its code changed ("Hello world" → "Hello World").
    const altered = path.join(provider, "altered");
    await cp(project, altered, { recursive: true });
    const app = path.join(altered, "mse_src", "app.mjs");
    const code = await readFile(app, "utf8");
    expect(code).toContain('"Hello world"');
    await writeFile(app, code.replace('"Hello world"', '"Hello World"'));
    alteredPackageFile = (
      JSON.parse(
        ok(
          await as(
            provider,
            "package",
            ...["--project", "altered", "--output", "altered-package", "--simulation", "--json"],
          ),
        ).stdout,
      ) as { package: { path: string } }
    ).package.path;

    // The operator's engine must get the image from the package, as on another machine.
    await removeImage(engine, `${imageRepositoryFor(name)}:latest`, { ignoreMissing: true });
    expect(await inspectImage(engine, imageId)).toBeUndefined();
  }, 300_000);

  it("SGX operator: simulated platform and PCCS, spawn; status and list say waiting for secrets", async () => {
    await copyFile(packageFile, path.join(operator, path.basename(packageFile)));
    ok(await as(operator, "sim", "init", "--dir", "sim-platform"));
    pccs = spawn(
      process.execPath,
      [CLI_PATH, "sim", "pccs", "--dir", "sim-platform", "--port", "0", "--http"],
      { cwd: operator },
    );
    pccsUrl = await new Promise<string>((resolve, reject) => {
      let out = "";
      pccs!.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk;
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      pccs!.once("close", (code) => reject(new Error(`sim pccs exited with ${code}`)));
    });

    port = await freePort();
    ok(
      await as(
        operator,
        "spawn",
        name,
        "--host",
        "localhost",
        "--port",
        String(port),
        "--size",
        "4096",
        "--package",
        path.basename(packageFile),
        "--output",
        "deploy",
        "--pccs",
        pccsUrl,
        "--simulation",
        "--platform",
        "sim-platform",
      ),
    );
    for (const file of ["evidence.json", "ratls.pem", "mse.toml", "tests", "input"]) {
      expect(existsSync(path.join(operator, "deploy", file)), file).toBe(true);
    }
    expect(await status()).toMatchObject({ state: "waiting for secrets", port });
    expect((await listed())?.state).toBe("waiting for secrets");
  }, 300_000);

  it("code provider: verify --package accepts the enclave, recomputing MRENCLAVE from the package", async () => {
    await copyFile(path.join(operator, "deploy", "evidence.json"), path.join(provider, "evidence.json"));
    const run = ok(
      await as(
        provider,
        "verify",
        "--evidence",
        "evidence.json",
        "--package",
        path.relative(provider, packageFile),
        "--simulation",
        "--output",
        "trust",
        "--json",
      ),
    );
    const result = JSON.parse(run.stdout) as Verification;
    expect(result.accepted).toBe(true);
    expect(result.package).toMatchObject({ imageId, application: "app.mjs:app" });
    // spawn loaded the image: verify used it and left it.
    expect(result.package.loadedImage).toBe(false);
    expect(result.report.enclave.mrEnclave).toBe(result.expectedMrEnclave);
    expect(result.report.checks.filter((check) => !check.ok)).toEqual([]);
    expect(result.report.checks.map((check) => check.name)).toEqual(
      expect.arrayContaining([
        "enclave.mrenclave",
        "enclave.mrsigner",
        "enclave.application",
        "ratls.binding",
      ]),
    );
    expect(run.stderr).toMatch(/warning: simulation: .*proves no hardware protection/);
    certificate = await readFile(path.join(provider, "trust", "ratls.pem"), "utf8");
    expect(certificate).toBe(await readFile(path.join(operator, "deploy", "ratls.pem"), "utf8"));
  }, 180_000);

  it("code provider: refuses a package whose code differs by one byte, naming the MRENCLAVE mismatch", async () => {
    const run = await as(
      provider,
      "verify",
      "--evidence",
      "evidence.json",
      "--package",
      path.relative(provider, alteredPackageFile),
      "--simulation",
      "--output",
      "mismatch",
    );
    expect(errorLine(run)).toMatch(
      /^error: verification failed: enclave\.mrenclave failed: MRENCLAVE is ([0-9a-f]{64}), expected (?!\1)[0-9a-f]{64}\.$/,
    );
    expect(existsSync(path.join(provider, "mismatch"))).toBe(false);
  }, 180_000);

  it("code provider: refuses simulated evidence without --simulation: not rooted in the Intel SGX Root CA", async () => {
    const line = errorLine(await verify("--package", packageFile));
    expect(line).toMatch(/^error: verification failed: .*not rooted in the Intel SGX Root CA/);
    expect(line).toMatch(/comes from a simulated SGX platform.*verify it with --simulation/);
  }, 180_000);

  it("code provider: refuses a package altered after packaging, naming the member", async () => {
    const bytes = await readFile(packageFile);
    const at = bytes.indexOf(Buffer.from('"Hello world"'));
    expect(at).toBeGreaterThan(0);
    bytes[at + 7] = "W".charCodeAt(0);
    const tampered = path.join(provider, "tampered.tar");
    await writeFile(tampered, bytes);
    expect(errorLine(await verify("--package", tampered, "--simulation"))).toMatch(
      /^error: the package member app\.tar does not match its manifest \(SHA-256 [0-9a-f]{64} instead of [0-9a-f]{64}\); the package was altered or damaged\.$/,
    );
  });

  it("code provider: says in one sentence that the engine is unreachable", async () => {
    const run = await runCli(
      ["verify", "--evidence", "evidence.json", "--package", packageFile, "--simulation", "--output", "x"],
      { cwd: provider, env: { DOCKER_HOST: "tcp://127.0.0.1:1" } },
    );
    expect(errorLine(run)).toBe(
      "error: cannot reach the Docker engine at tcp://127.0.0.1:1 (connection refused); start Docker or point DOCKER_HOST at a running engine.",
    );
  });

  it("leaves no dry-run container behind", async () => {
    const left = await engine.api.listContainers({
      all: true,
      filters: { label: [`${ONE_SHOT_LABEL}=1`], ancestor: [imageId] },
    });
    expect(left).toEqual([]);
  });

  it("code provider seals; SGX operator runs the app; status and list say running; the tests pass", async () => {
    ok(
      await as(
        provider,
        "seal",
        "--secrets",
        `${name}/secrets_to_seal.json`,
        "--cert",
        "trust/ratls.pem",
        "--output",
        "sealed",
      ),
    );
    await copyFile(path.join(project, "secrets.json"), path.join(operator, "secrets.json"));
    await copyFile(
      path.join(provider, "sealed", "secrets_to_seal.json.sealed"),
      path.join(operator, "secrets_to_seal.json.sealed"),
    );
    ok(
      await as(
        operator,
        "run",
        name,
        "--secrets",
        "secrets.json",
        "--sealed-secrets",
        "secrets_to_seal.json.sealed",
      ),
    );
    expect((await status()).state).toBe("running");
    expect((await listed())?.state).toBe("running");
    // The operator holds secrets.json (plain), not the sealed secrets in clear: that test skips.
    const tested = ok(
      await runCli(["test", name, "--test", "deploy/tests", "--config", "deploy/mse.toml"], {
        cwd: operator,
        env: { TEST_SECRET_JSON: "secrets.json" },
      }),
    );
    expect(tested.stdout).toMatch(/^# pass 3$/m);
    expect(tested.stdout).toMatch(/^# skipped 1$/m);
  }, 300_000);

  it("app users fetch both results over RA-TLS, trusting only ratls.pem, and the provider decrypts them", async () => {
    const base = `https://localhost:${port}`;
    // The certificate is self-signed: without the verified one as trust anchor, TLS refuses.
    await expect(fetchOverRaTls(`${base}/health`)).rejects.toThrow(/self[- ]signed/i);
    const secrets = await fetchOverRaTls(`${base}/result/secrets`, certificate);
    const sealed = await fetchOverRaTls(`${base}/result/sealed_secrets`, certificate);
    expect([secrets.status, sealed.status]).toEqual([200, 200]);
    await writeFile(path.join(provider, "result.bin"), secrets.body);
    await writeFile(path.join(provider, "result.token"), sealed.body);

    const aesKey = (
      JSON.parse(await readFile(path.join(project, "secrets.json"), "utf8")) as { result_aes_key: string }
    ).result_aes_key;
    ok(await as(provider, "decrypt", "--aes", aesKey, "--output", "result.txt", "result.bin"));
    const fernetKey = (
      JSON.parse(await readFile(path.join(project, "secrets_to_seal.json"), "utf8")) as { result_sk: string }
    ).result_sk;
    await writeFile(path.join(provider, "result_sk.key"), fernetKey, { mode: 0o600 });
    ok(
      await as(
        provider,
        "decrypt",
        "--key",
        "result_sk.key",
        "--output",
        "result_sealed.txt",
        "result.token",
      ),
    );
    expect(await readFile(path.join(provider, "result.txt"), "utf8")).toBe(
      "message using result_aes_key from SECRETS",
    );
    expect(await readFile(path.join(provider, "result_sealed.txt"), "utf8")).toBe(
      "message using result_sk from SEALED_SECRETS",
    );
  }, 60_000);

  it("SGX operator: stop, then restart serves again with the same certificate and no new run", async () => {
    ok(await as(operator, "stop", name));
    expect((await status()).state).toBe("stopped");
    expect((await listed())?.state).toBe("stopped");
    await expect(fetchOverRaTls(`https://localhost:${port}/health`, certificate)).rejects.toThrow();

    ok(await as(operator, "restart", name));
    expect((await status()).state).toBe("running");
    expect((await listed())?.state).toBe("running");
    const health = await fetchOverRaTls(`https://localhost:${port}/health`, certificate);
    expect(health.status).toBe(200);
    const served = await fetchOverRaTls(`https://localhost:${port}/result/sealed_secrets`, certificate);
    expect(served.status).toBe(200);
  }, 180_000);

  it("SGX operator: stop --remove deletes the app; status then says it is unknown", async () => {
    ok(await as(operator, "stop", name, "--remove"));
    expect(await findContainer(engine, name)).toBeUndefined();
    expect(await listed()).toBeUndefined();
    expect(errorLine(await as(operator, "status", name))).toBe(
      `error: no msehome app named "${name}" exists on this Docker engine (msehome list shows the apps).`,
    );
    expect(await inspectImage(engine, imageId)).toBeUndefined();
  }, 60_000);

  it("code provider: verify --package loads the image when the engine lacks it, and removes it again", async () => {
    const run = ok(await verify("--package", packageFile, "--simulation", "--json"));
    const result = JSON.parse(run.stdout) as Verification;
    expect(result.accepted).toBe(true);
    expect(result.package.loadedImage).toBe(true);
    expect(await inspectImage(engine, imageId)).toBeUndefined();
    // The certificate verify accepted is the app's, valid for the host spawn was given.
    expect(new X509Certificate(certificate).subjectAltName).toBe("DNS:localhost");
  }, 180_000);
});

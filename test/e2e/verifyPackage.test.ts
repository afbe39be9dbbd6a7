// `msehome verify --package` with real containers: a simulated enclave spawned from a package is
// verified against that package (MRENCLAVE recomputed by the image's --dry-run under the evidence's
// spawn arguments); a package whose code differs by one byte, evidence checked without --simulation
// and a tampered package are refused in one sentence; an image verify loads is removed again.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { removeContainer } from "../../src/docker/container.js";
import { inspectImage, removeImage } from "../../src/docker/images.js";
import { ONE_SHOT_LABEL } from "../../src/docker/oneShotContainer.js";
import { appImageTag } from "../../src/operator/appImage.js";
import { imageRepositoryFor } from "../../src/provider/projectInputs.js";
import { initPlatform } from "../../src/simulation/platform.js";
import { startPccsServer, type PccsServer } from "../../src/simulation/pccsServer.js";
import { ensureBaseImage } from "../support/baseImage.js";
import { type CliRun, runCli } from "../support/cli.js";
import { describeDocker, freePort, testEngine, uniqueName } from "../support/docker.js";

function ok(run: CliRun): CliRun {
  expect(run.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(0);
  return run;
}

/** The one error line a failed command ends with. */
function errorLine(run: CliRun): string {
  expect(run.code).toBe(1);
  const lines = run.stderr.trim().split("\n");
  expect(lines.filter((line) => line.startsWith("error:"))).toHaveLength(1);
  return lines.at(-1)!;
}

interface Verification {
  accepted: boolean;
  expectedMrEnclave: string;
  report: { enclave: { mrEnclave: string }; checks: { name: string; ok: boolean }[] };
  package: { path: string; mrEnclave: string; imageId: string; loadedImage: boolean; application: string };
  ratlsCertificate: string;
}

describeDocker("msehome verify --package (simulation)", () => {
  const engine = testEngine();
  const name = uniqueName("verify-pkg");
  let work: string;
  let pccs: PccsServer;
  let platformDir: string;
  let imageId: string;
  let packagePath: string;
  let alteredPackagePath: string;
  let evidence: string;

  async function packageProject(project: string, output: string, base: string): Promise<string> {
    const run = ok(
      await runCli(["package", "--project", project, "--output", output, "--base-image", base, "--json"]),
    );
    const result = JSON.parse(run.stdout) as { package: { path: string }; image: { id: string } };
    imageId = result.image.id;
    return result.package.path;
  }

  const verify = (...args: string[]) =>
    runCli([
      "verify",
      "--evidence",
      evidence,
      "--output",
      path.join(work, "provider", uniqueName("trust")),
      ...args,
    ]);

  beforeAll(async () => {
    const base = (await inspectImage(engine, await ensureBaseImage()))!.id;
    work = await mkdtemp(path.join(tmpdir(), "msehome-e2e-verify-package-"));
    const provider = path.join(work, "provider");
    await mkdir(provider);
    ok(await runCli(["scaffold", name], { cwd: provider }));
    const project = path.join(provider, name);
    // An image of its own, so that loading and removing it concerns this test only.
    const dockerfile = path.join(project, "Dockerfile");
    await writeFile(dockerfile, `${await readFile(dockerfile, "utf8")}\nLABEL msehome.test="${name}"\n`);
    packagePath = await packageProject(project, path.join(provider, "package"), base);

    // The same app with one byte of its code changed ("Hello world" → "Hello World").
    const altered = path.join(provider, "altered");
    await cp(project, altered, { recursive: true });
    const app = path.join(altered, "mse_src", "app.mjs");
    const code = await readFile(app, "utf8");
    expect(code).toContain('"Hello world"');
    await writeFile(app, code.replace('"Hello world"', '"Hello World"'));
    alteredPackagePath = await packageProject(altered, path.join(provider, "altered-package"), base);
    // The operator's engine knows the image only from the package, as on another machine.
    await removeImage(engine, `${imageRepositoryFor(name)}:latest`, { ignoreMissing: true });
    expect(await inspectImage(engine, imageId)).toBeUndefined();

    platformDir = path.join(work, "operator", "platform");
    await mkdir(path.dirname(platformDir));
    await initPlatform(platformDir);
    pccs = await startPccsServer({ host: "127.0.0.1", port: 0, platformDir, tls: true });
    const deploy = path.join(work, "operator", "deploy");
    ok(
      await runCli([
        "spawn",
        name,
        "--host",
        "localhost",
        "--port",
        String(await freePort()),
        "--size",
        "2048",
        "--package",
        packagePath,
        "--output",
        deploy,
        "--pccs",
        pccs.url,
        "--pccs-insecure-tls",
        "--simulation",
        "--platform",
        platformDir,
      ]),
    );
    evidence = path.join(deploy, "evidence.json");
  }, 600_000);

  afterAll(async () => {
    await removeContainer(engine, name, { force: true, ignoreMissing: true }).catch(() => undefined);
    await removeImage(engine, appImageTag(name), { ignoreMissing: true }).catch(() => undefined);
    if (imageId)
      await removeImage(engine, imageId, { force: true, ignoreMissing: true }).catch(() => undefined);
    await pccs?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("accepts the enclave spawned from the package, with the MRENCLAVE its image computes", async () => {
    const run = ok(await verify("--package", packagePath, "--simulation", "--json"));
    const result = JSON.parse(run.stdout) as Verification;
    expect(result.accepted).toBe(true);
    expect(result.package).toMatchObject({ path: packagePath, imageId, application: "app.mjs:app" });
    // The image was on the engine already (spawn loaded it): verify used it and left it.
    expect(result.package.loadedImage).toBe(false);
    expect(result.expectedMrEnclave).toMatch(/^[0-9a-f]{64}$/);
    expect(result.report.enclave.mrEnclave).toBe(result.expectedMrEnclave);
    expect(result.report.checks.filter((check) => !check.ok)).toEqual([]);
    expect(result.report.checks.map((check) => check.name)).toEqual(
      expect.arrayContaining(["enclave.mrenclave", "enclave.application"]),
    );
    expect(await readFile(result.ratlsCertificate, "utf8")).toContain("BEGIN CERTIFICATE");
    expect(run.stderr).toMatch(/warning: simulation: .*proves no hardware protection/);
    expect(await inspectImage(engine, imageId)).toBeDefined();
  }, 180_000);

  it("names the MRENCLAVE mismatch for a package whose code differs by one byte, and writes nothing", async () => {
    const trust = path.join(work, "provider", "mismatch");
    const run = await runCli([
      "verify",
      "--evidence",
      evidence,
      "--output",
      trust,
      "--package",
      alteredPackagePath,
      "--simulation",
    ]);
    expect(errorLine(run)).toMatch(
      /^error: verification failed: enclave.mrenclave failed: MRENCLAVE is ([0-9a-f]{64}), expected (?!\1)[0-9a-f]{64}\.$/,
    );
    expect(existsSync(path.join(trust, "ratls.pem"))).toBe(false);
  }, 180_000);

  it("refuses simulated evidence without --simulation: not rooted in the Intel SGX Root CA", async () => {
    const line = errorLine(await verify("--package", packagePath));
    expect(line).toMatch(/^error: verification failed: .*not rooted in the Intel SGX Root CA/);
    expect(line).toMatch(/comes from a simulated SGX platform.*verify it with --simulation/);
  }, 180_000);

  it("refuses a package altered after packaging, naming the member", async () => {
    const bytes = await readFile(packagePath);
    const at = bytes.indexOf(Buffer.from('"Hello world"'));
    expect(at).toBeGreaterThan(0);
    bytes[at + 7] = "W".charCodeAt(0);
    const tampered = path.join(work, "provider", "tampered.tar");
    await writeFile(tampered, bytes);
    expect(errorLine(await verify("--package", tampered, "--simulation"))).toMatch(
      /^error: the package member app\.tar does not match its manifest \(SHA-256 [0-9a-f]{64} instead of [0-9a-f]{64}\); the package was altered or damaged\.$/,
    );
  }, 180_000);

  it("leaves no dry-run container behind", async () => {
    const left = await engine.api.listContainers({
      all: true,
      filters: { label: [`${ONE_SHOT_LABEL}=1`], ancestor: [imageId] },
    });
    expect(left).toEqual([]);
  });

  it("loads the image from the package when the engine lacks it, and removes it afterwards", async () => {
    ok(await runCli(["stop", name, "--remove"]));
    expect(await inspectImage(engine, imageId)).toBeUndefined();
    const run = ok(await verify("--package", packagePath, "--simulation", "--json"));
    const result = JSON.parse(run.stdout) as Verification;
    expect(result.accepted).toBe(true);
    expect(result.package.loadedImage).toBe(true);
    expect(await inspectImage(engine, imageId)).toBeUndefined();
  }, 180_000);
});

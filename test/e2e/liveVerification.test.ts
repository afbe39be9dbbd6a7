// `msehome verify --url` against apps spawned on the simulated SGX platform (real containers from the
// offline simulation base image, the simulated PCCS on 127.0.0.1): the code provider verifies the
// running app live — fresh collateral, MRENCLAVE recomputed from the package under the evidence's
// spawn arguments — then, after the operator swaps in another app on the same URL, names the swap.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { removeContainer } from "../../src/docker/container.js";
import { inspectImage, removeImage } from "../../src/docker/images.js";
import { appImageTag } from "../../src/operator/appImage.js";
import { imageRepositoryFor, packageApp } from "../../src/provider/package.js";
import { scaffold } from "../../src/provider/scaffold.js";
import { startPccsServer, type PccsServer } from "../../src/simulation/pccsServer.js";
import { initPlatform } from "../../src/simulation/platform.js";
import { ensureBaseImage } from "../support/baseImage.js";
import { type CliRun, runCli } from "../support/cli.js";
import { describeDocker, testEngine } from "../support/docker.js";
import { freePort, uniqueName } from "../support/unique.js";

function ok(run: CliRun): CliRun {
  expect(run.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(0);
  return run;
}

interface LiveVerification {
  accepted: boolean;
  url: string;
  certificateSha256: string;
  expectedMrEnclave: string;
  expectedMrSigner: string | null;
  reasons: { check: string; message: string }[];
  report: { enclave: { mrEnclave: string }; checks: { name: string; ok: boolean }[]; mode: string };
  package: { application: string } | null;
  ratlsCertificate: string | null;
}

describeDocker("verify --url: a running app verified live (simulation)", () => {
  const engine = testEngine();
  const first = uniqueName("live-a");
  const second = uniqueName("live-b");
  const images: string[] = [];
  let work: string;
  let platformDir: string;
  let pccs: PccsServer;
  let packagePath: string;
  let port: number;
  let url: string;

  const spawnApp = (name: string, output: string) =>
    runCli([
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
      output,
      "--pccs",
      pccs.url,
      "--pccs-insecure-tls",
      "--simulation",
      "--platform",
      platformDir,
      "--timeout",
      "2",
    ]);

  const verifyUrl = (output: string, ...args: string[]) =>
    runCli([
      "--json",
      "verify",
      "--url",
      url,
      "--output",
      path.join(work, output),
      "--pccs",
      pccs.url,
      "--pccs-insecure-tls",
      "--simulation",
      ...args,
    ]);

  beforeAll(async () => {
    const base = (await inspectImage(engine, await ensureBaseImage()))!.id;
    work = await mkdtemp(path.join(tmpdir(), "msehome-e2e-live-"));
    platformDir = path.join(work, "platform");
    await initPlatform(platformDir);
    pccs = await startPccsServer({ host: "127.0.0.1", port: 0, platformDir, tls: true });
    const dir = path.join(work, "provider");
    await mkdir(dir);
    const { directory } = await scaffold(first, { parentDir: dir });
    const dockerfile = path.join(directory, "Dockerfile");
    await writeFile(dockerfile, `${await readFile(dockerfile, "utf8")}\nLABEL msehome.test="${first}"\n`);
    const packaged = await packageApp({
      project: directory,
      output: path.join(dir, "package"),
      baseImage: base,
      engine,
    });
    images.push(packaged.image.id);
    packagePath = packaged.package.path;
    await removeImage(engine, `${imageRepositoryFor(first)}:latest`, { ignoreMissing: true });
    port = await freePort();
    url = `https://127.0.0.1:${port}`;
  }, 300_000);

  afterAll(async () => {
    for (const name of [first, second]) {
      await removeContainer(engine, name, { force: true, ignoreMissing: true }).catch(() => undefined);
      await removeImage(engine, appImageTag(name), { ignoreMissing: true }).catch(() => undefined);
    }
    for (const image of images)
      await removeImage(engine, image, { force: true, ignoreMissing: true }).catch(() => undefined);
    await pccs?.close();
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

  it("accepts the spawned app with its evidence and package, and writes the certificate it serves", async () => {
    ok(await spawnApp(first, path.join(work, "operator-a")));
    const run = ok(
      await verifyUrl(
        "trust-a",
        "--evidence",
        path.join(work, "operator-a", "evidence.json"),
        "--package",
        packagePath,
      ),
    );
    const result = JSON.parse(run.stdout) as LiveVerification;
    expect(result.accepted).toBe(true);
    expect(result.url).toBe(url);
    expect(result.report.mode).toBe("simulation");
    expect(result.report.enclave.mrEnclave).toBe(result.expectedMrEnclave);
    expect(result.expectedMrSigner).toMatch(/^[0-9a-f]{64}$/);
    expect(result.package?.application).toBe("app.mjs:app");
    expect(result.report.checks.filter((check) => !check.ok)).toEqual([]);
    expect(result.report.checks.map((check) => check.name)).toEqual(
      expect.arrayContaining([
        "ratls.certificate.evidence",
        "enclave.mrenclave",
        "enclave.mrsigner",
        "enclave.application",
        "ratls.binding",
      ]),
    );
    expect(run.stderr).toMatch(/warning: simulation: .*proves no hardware protection/);
    const written = await readFile(path.join(work, "trust-a", "ratls.pem"), "utf8");
    expect(written).toBe(await readFile(path.join(work, "operator-a", "ratls.pem"), "utf8"));

    // Knowing the MRENCLAVE is enough too, without the operator's evidence.
    const byMeasurement = JSON.parse(
      ok(await verifyUrl("trust-a-mrenclave", "--mrenclave", result.expectedMrEnclave)).stdout,
    ) as LiveVerification;
    expect(byMeasurement.accepted).toBe(true);
    expect(byMeasurement.certificateSha256).toBe(result.certificateSha256);
    expect(byMeasurement.expectedMrSigner).toBeNull();
  }, 300_000);

  it("names the swap when another app answers on the same URL, and accepts the new one with its own evidence", async () => {
    const before = JSON.parse(
      ok(
        await verifyUrl(
          "measure-a",
          "--evidence",
          path.join(work, "operator-a", "evidence.json"),
          "--package",
          packagePath,
        ),
      ).stdout,
    ) as LiveVerification;
    ok(await runCli(["stop", first, "--remove"]));
    ok(await spawnApp(second, path.join(work, "operator-b")));

    const swapped = await verifyUrl(
      "trust-swapped",
      "--evidence",
      path.join(work, "operator-a", "evidence.json"),
      "--package",
      packagePath,
    );
    expect(swapped.code).toBe(1);
    const refused = JSON.parse(swapped.stdout) as LiveVerification;
    expect(refused.accepted).toBe(false);
    // Another certificate, another measurement (app id), another signer key (spawn makes one per app).
    expect(refused.reasons.map((reason) => reason.check)).toEqual([
      "ratls.certificate.evidence",
      "enclave.mrenclave",
      "enclave.mrsigner",
    ]);
    expect(refused.certificateSha256).not.toBe(before.certificateSha256);
    const line = swapped.stderr.trim().split("\n").at(-1)!;
    expect(line).toMatch(
      new RegExp(
        `^error: verification failed: ratls\\.certificate\\.evidence failed: ${url.replace(/\./g, "\\.")} presents another certificate .* the enclave was swapped`,
      ),
    );
    expect(existsSync(path.join(work, "trust-swapped"))).toBe(false);

    // The first app's MRENCLAVE alone refuses it too: its spawn arguments (app id) differ.
    const byMeasurement = await verifyUrl("trust-swapped-mrenclave", "--mrenclave", before.expectedMrEnclave);
    expect(byMeasurement.code).toBe(1);
    expect((JSON.parse(byMeasurement.stdout) as LiveVerification).reasons.map((r) => r.check)).toEqual([
      "enclave.mrenclave",
    ]);

    const current = JSON.parse(
      ok(
        await verifyUrl(
          "trust-b",
          "--evidence",
          path.join(work, "operator-b", "evidence.json"),
          "--package",
          packagePath,
        ),
      ).stdout,
    ) as LiveVerification;
    expect(current.accepted).toBe(true);
    expect(current.certificateSha256).toBe(refused.certificateSha256);
    expect(await readFile(path.join(work, "trust-b", "ratls.pem"), "utf8")).toBe(
      await readFile(path.join(work, "operator-b", "ratls.pem"), "utf8"),
    );
  }, 420_000);
});

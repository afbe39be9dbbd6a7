// The base images: both Dockerfiles add the same runtime layers; the offline simulation image
// carries its own tag and labels (never the SGX image's tag), refuses hardware mode clearly, and
// runs `msehome-dev`.
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fernetDecrypt } from "../../src/crypto/fernet.js";
import { removeContainer } from "../../src/docker/container.js";
import { readContainerLogs } from "../../src/docker/containerLogs.js";
import { startDevContainer } from "../../src/docker/devContainer.js";
import { inspectImage, removeImage, tagImage } from "../../src/docker/images.js";
import { runOneShotContainer } from "../../src/docker/oneShotContainer.js";
import { formatLaunchArguments } from "../../src/model/launchArguments.js";
import { scaffold } from "../../src/provider/scaffold.js";
import { MSEHOME_VERSION } from "../../src/version.js";
import { simulationLaunch } from "../support/appContainer.js";
import {
  ensureBaseImage,
  runBaseImageScript,
  SGX_BASE_IMAGE,
  SIMULATION_BASE_IMAGE,
} from "../support/baseImage.js";
import { describeDocker, testEngine, waitForHttp } from "../support/docker.js";
import { freePort, uniqueName } from "../support/unique.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** The instructions after the "runtime layers" marker, with COPY sources dropped. */
async function runtimeLayers(dockerfile: string): Promise<string[]> {
  const text = await readFile(path.join(repoRoot, dockerfile), "utf8");
  const after = text.split("# --- runtime layers ---")[1];
  if (after === undefined) throw new Error(`${dockerfile} has no runtime layers marker`);
  return after
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => (line.startsWith("COPY ") ? `COPY -> ${line.split(/\s+/).at(-1)}` : line));
}

describe("base image Dockerfiles", () => {
  it("add the same runtime layers on SGX and in simulation", async () => {
    const hardware = await runtimeLayers("docker/base/Dockerfile");
    expect(hardware).toContain('ENTRYPOINT ["/usr/local/bin/msehome-run"]');
    expect(await runtimeLayers("docker/base/simulation.Dockerfile")).toEqual(hardware);
  });
});

describeDocker("simulation base image", () => {
  let work: string;
  let appDir: string;
  const started: string[] = [];

  beforeAll(async () => {
    await ensureBaseImage();
    work = await mkdtemp(path.join(tmpdir(), "msehome-e2e-base-"));
    appDir = (await scaffold("devapp", { parentDir: work })).directory;
  }, 240_000);

  afterAll(async () => {
    await Promise.all(
      started.map((id) =>
        removeContainer(testEngine(), id, { force: true, ignoreMissing: true }).catch(() => undefined),
      ),
    );
    if (work) await rm(work, { recursive: true, force: true });
  });

  const run = (command: string[]) =>
    runOneShotContainer(testEngine(), { image: SIMULATION_BASE_IMAGE, command, timeoutMs: 60_000 });

  it("carries only its own tag, labelled simulation-only", async () => {
    const simulation = (await inspectImage(testEngine(), SIMULATION_BASE_IMAGE))!;
    expect(SIMULATION_BASE_IMAGE).toBe(`msehome/base:${MSEHOME_VERSION}-simulation`);
    expect(simulation.tags).toEqual([SIMULATION_BASE_IMAGE]);
    expect(simulation.labels).toMatchObject({
      "msehome.base.version": MSEHOME_VERSION,
      "msehome.base.simulation-only": "true",
      "msehome.base.modes": "simulation",
    });
    expect(simulation.env).toContain("MSEHOME_SIMULATION_ONLY=1");
    const raw = await testEngine().api.getImage(SIMULATION_BASE_IMAGE).inspect();
    expect(raw.Config.Entrypoint).toEqual(["/usr/local/bin/msehome-run"]);
  });

  it("leaves the image under the SGX tag alone, but takes that tag back from a simulation-only image", async () => {
    const engine = testEngine();
    const sgx = await inspectImage(engine, SGX_BASE_IMAGE);
    if (sgx) {
      // This engine holds an SGX base image: the build must not replace it.
      await runBaseImageScript();
      expect((await inspectImage(engine, SGX_BASE_IMAGE))?.id).toBe(sgx.id);
      return;
    }
    const rootfs = (await inspectImage(engine, `msehome/base-rootfs:${MSEHOME_VERSION}-simulation`))!;
    const simulation = (await inspectImage(engine, SIMULATION_BASE_IMAGE))!;
    try {
      // Another image under the SGX tag (the bare root filesystem stands in for it) stays.
      await tagImage(engine, rootfs.id, SGX_BASE_IMAGE);
      await runBaseImageScript();
      expect((await inspectImage(engine, SGX_BASE_IMAGE))?.id).toBe(rootfs.id);
      // The simulation image under the SGX tag, as older builds left it, loses that tag only.
      await tagImage(engine, simulation.id, SGX_BASE_IMAGE);
      const { stderr } = await runBaseImageScript();
      expect(stderr).toContain(`removed the tag ${SGX_BASE_IMAGE} from the simulation-only image`);
      expect(await inspectImage(engine, SGX_BASE_IMAGE)).toBeUndefined();
      expect((await inspectImage(engine, SIMULATION_BASE_IMAGE))?.id).toBe(simulation.id);
    } finally {
      // The engine had no SGX image: whatever holds the tag now is this test's stand-in.
      await removeImage(engine, SGX_BASE_IMAGE, { ignoreMissing: true });
    }
  }, 120_000);

  it("refuses hardware mode with one sentence, and bad arguments as a usage error", async () => {
    const hardware = await run(
      formatLaunchArguments(
        simulationLaunch({ appId: randomUUID(), expiration: 1900000000, simulation: false }),
      ),
    );
    expect(hardware.exitCode).toBe(1);
    expect(hardware.stderr).toContain("this base image is simulation-only");
    const usage = await run(["--size", "3000M"]);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toMatch(/--size must be a power of two.*usage: msehome-run/);
  }, 60_000);

  it("serves the app with msehome-dev over plain HTTP on port 5000, secrets mounted as files", async () => {
    const container = await startDevContainer(testEngine(), {
      name: uniqueName("msehome-e2e-dev"),
      appName: "devapp",
      image: SIMULATION_BASE_IMAGE,
      application: "app.mjs:app",
      codeDir: path.join(appDir, "mse_src"),
      secretsFile: path.join(appDir, "secrets.json"),
      sealedSecretsFile: path.join(appDir, "secrets_to_seal.json"),
      port: await freePort(),
    });
    started.push(container.id);
    const base = `http://127.0.0.1:${container.port}`;
    const health = await waitForHttp(container.port, "/health", 40_000).catch(async (error: unknown) => {
      const logs = await readContainerLogs(testEngine(), container.id);
      throw new Error(`msehome-dev did not answer /health on ${base}: ${logs}`, { cause: error });
    });
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("OK");
    const { result_sk: key } = JSON.parse(
      await readFile(path.join(appDir, "secrets_to_seal.json"), "utf8"),
    ) as { result_sk: string };
    const token = await (
      await fetch(`${base}/result/sealed_secrets`, { signal: AbortSignal.timeout(5_000) })
    ).text();
    expect(Buffer.from(fernetDecrypt(key, token)).toString()).toBe(
      "message using result_sk from SEALED_SECRETS",
    );
  }, 60_000);
});

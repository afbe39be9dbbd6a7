// An app container that dies after it started: killed by the kernel for exceeding its memory, or
// exiting on its own. `msehome status` reads it from the engine and says `error`, why, and the
// exit code, as a user runs it.
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startAppContainer } from "../../src/docker/appContainer.js";
import { waitForExit } from "../../src/docker/container.js";
import { SAMPLE_LAUNCH } from "../support/launchArguments.js";
import { runCli } from "../support/cli.js";
import { describeDocker, removeAppNamed, testEngine } from "../support/docker.js";
import { importNodeImage, removeImageTree } from "../support/testImage.js";
import { freePort, uniqueName } from "../support/unique.js";

/** Serves like a waiting configuration server, then dies as its application name asks. */
const DYING_RUNTIME = `#!/usr/bin/node
const http = require("node:http");
const args = process.argv.slice(2);
const application = args[args.indexOf("--application") + 1];
http.createServer((req, res) => { res.setHeader("Mse-Status", "Waiting"); res.end(); }).listen(443);
setTimeout(() => {
  if (application === "exit:later") process.exit(5);
  // Outside the JavaScript heap, so the cgroup limit (not Node's) is what stops it.
  const held = [];
  setInterval(() => { for (let i = 0; i < 16; i++) held.push(Buffer.alloc(1 << 20, 1)); }, 10);
}, 1500);
`;

const MEMORY_LIMIT = 64 * 1024 * 1024;

describeDocker("status of an app that died after it started", () => {
  const engine = testEngine();
  const tag = `msehome-test/${uniqueName("dying")}:1`;
  const names: string[] = [];
  let imageId = "";
  let scratch = "";
  let inputs: { appTar: string; signerKey: string; simulationPlatformDir: string };

  beforeAll(async () => {
    imageId = await importNodeImage(engine, tag, {
      files: { "/usr/local/bin/msehome-run": { content: DYING_RUNTIME, mode: 0o755 } },
    });
    scratch = await mkdtemp(path.join(tmpdir(), "msehome-e2e-dying-"));
    const platform = path.join(scratch, "platform");
    await mkdir(platform);
    await writeFile(path.join(platform, "platform-key"), "test\n");
    inputs = {
      appTar: path.join(scratch, "app.tar"),
      signerKey: path.join(scratch, "enclave-key.pem"),
      simulationPlatformDir: platform,
    };
    await writeFile(inputs.appTar, "app");
    await writeFile(inputs.signerKey, "key");
  }, 120_000);

  afterAll(async () => {
    for (const name of names) await removeAppNamed(name);
    if (imageId) await removeImageTree(engine, imageId);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }, 60_000);

  async function startDying(application: string, memoryLimit?: number): Promise<string> {
    const name = uniqueName("msehome-e2e-dying");
    names.push(name);
    const app = await startAppContainer(engine, {
      name,
      image: tag,
      launch: { ...SAMPLE_LAUNCH, application },
      port: await freePort(),
      inputs,
      healthcheckEndpoint: "/health",
    });
    if (memoryLimit) {
      // A host that gives the container less memory than the app takes, as an operator's limit would.
      await engine.call("limiting the memory", (api) =>
        api.getContainer(app.id).update({ Memory: memoryLimit, MemorySwap: memoryLimit }),
      );
    }
    await waitForExit(engine, app.id, { signal: AbortSignal.timeout(60_000) });
    return name;
  }

  async function status(name: string): Promise<Record<string, unknown>> {
    const run = await runCli(["status", name, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as Record<string, unknown>;
  }

  it("says error, OOMKilled and exit code 137 for an app the kernel killed for its memory", async () => {
    const name = await startDying("oom:later", MEMORY_LIMIT);
    expect(await status(name)).toMatchObject({
      name,
      state: "error",
      detail: "the container was killed for running out of memory (OOMKilled), exit code 137",
      exitCode: 137,
      oomKilled: true,
    });
    const human = await runCli(["status", name]);
    expect(human.stdout).toMatch(
      /^State: +error \(the container was killed for running out of memory \(OOMKilled\), exit code 137\)$/m,
    );
    expect(human.stdout).toMatch(/^Exit code: +137$/m);
  }, 120_000);

  it("says error and the exit code for an app that exited on its own after it served", async () => {
    const name = await startDying("exit:later");
    expect(await status(name)).toMatchObject({
      state: "error",
      detail: "the container exited with code 5",
      exitCode: 5,
      oomKilled: false,
    });
  }, 120_000);
});

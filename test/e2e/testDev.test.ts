// `msehome test-dev` as the code provider runs it, with real containers on the offline simulation
// base image and scaffolded projects: a passing app, failing tests, an app that crashes at start, a
// healthcheck that never turns 200, test requirements, Ctrl-C; never a container left behind.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listContainersByLabel } from "../../src/docker/container.js";
import { DEV_CONTAINER_LABEL } from "../../src/docker/devContainer.js";
import { removeImage } from "../../src/docker/images.js";
import { imageRepositoryFor } from "../../src/provider/projectInputs.js";
import { CLI_PATH, runCli } from "../support/cli.js";
import { ensureBaseImage } from "../support/baseImage.js";
import { describeDocker, testEngine } from "../support/docker.js";
import { writeLocalEsmPackage } from "../support/npmPackage.js";
import { uniqueName } from "../support/unique.js";

const scratch = mkdtempSync(path.join(tmpdir(), "msehome-test-dev-"));
/** Apps whose image test-dev may have tagged msehome-package/<name>:latest. */
const names: string[] = [];
afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  for (const name of names) {
    // Without an engine (the Docker tests skipped) there is nothing to remove.
    await Promise.resolve()
      .then(() => removeImage(testEngine(), `${imageRepositoryFor(name)}:latest`, { ignoreMissing: true }))
      .catch(() => undefined);
  }
});

async function project(): Promise<{ name: string; directory: string }> {
  const name = uniqueName("testdev");
  names.push(name);
  const parent = mkdtempSync(path.join(scratch, "p-"));
  const run = await runCli(["scaffold", name], { cwd: parent });
  expect(run.code, run.stderr).toBe(0);
  return { name, directory: path.join(parent, name) };
}

/** The containers test-dev left for this app: there must never be any. */
async function leftovers(name: string): Promise<string[]> {
  const found = await listContainersByLabel(testEngine(), { [DEV_CONTAINER_LABEL]: name });
  return found.map((c) => c.name);
}

function editFile(file: string, edit: (text: string) => string): void {
  writeFileSync(file, edit(readFileSync(file, "utf8")));
}

function setTomlField(directory: string, field: string, value: string): void {
  editFile(path.join(directory, "mse.toml"), (text) =>
    text.replace(new RegExp(`^${field} = .*$`, "m"), `${field} = ${value}`),
  );
}

describe("msehome test-dev usage", () => {
  it("refuses a secrets file that is not JSON in one sentence that does not echo it", async () => {
    const { directory } = await project();
    const secrets = path.join(scratch, "bad-secrets.json");
    writeFileSync(secrets, "{ result_aes_key: hunter2-top-secret");
    const run = await runCli(["test-dev", "--project", directory, "--secrets", secrets]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: the secrets file ${secrets} is not valid JSON.\n`);
    expect(run.stderr).not.toContain("hunter2");
  });

  it("exits 2 when the inputs are incomplete, and 1 naming a project part that is missing", async () => {
    const incomplete = await runCli(["test-dev", "--code", scratch]);
    expect(incomplete.code).toBe(2);
    expect(incomplete.stderr).toContain("(missing: --config, --dockerfile, --test)");
    const empty = mkdtempSync(path.join(scratch, "empty-"));
    const missing = await runCli(["test-dev", "--project", empty]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`error: the code directory ${path.join(empty, "mse_src")} does not exist.\n`);
  });

  it("says in one sentence that the engine is unreachable", async () => {
    const { directory } = await project();
    const socket = path.join(scratch, "dead.sock");
    const run = await runCli(["test-dev", "--project", directory], {
      env: { DOCKER_HOST: `unix://${socket}` },
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([
      `error: cannot reach the Docker engine at unix://${socket} (no socket there); start Docker or point DOCKER_HOST at a running engine.`,
    ]);
  });
});

describeDocker("msehome test-dev", () => {
  let baseImage: string;
  beforeAll(async () => {
    baseImage = await ensureBaseImage();
  }, 600_000);

  it("builds, serves the scaffolded app with its secrets and passes its tests", async () => {
    const { name, directory } = await project();
    const run = await runCli([
      "test-dev",
      "--project",
      directory,
      "--base-image",
      baseImage,
      "--secrets",
      path.join(directory, "secrets.json"),
      "--sealed-secrets",
      path.join(directory, "secrets_to_seal.json"),
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as {
      name: string;
      url: string;
      tests: { command: string; exitCode: number; ranIn: string };
      image: { tag: string };
    };
    expect(result.name).toBe(name);
    expect(result.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(result.tests).toMatchObject({ command: "node --test", exitCode: 0, ranIn: "tests directory" });
    expect(result.image.tag).toBe(`msehome-package/${name}:latest`);
    // All four template tests ran (the secret ones too), none skipped: the tests' output is on stderr.
    expect(run.stderr).toMatch(/# pass 4\n/);
    expect(run.stderr).toMatch(/# skipped 0\n/);
    expect(run.stderr).not.toContain("--- logs of the app container");
    expect(await leftovers(name)).toEqual([]);
  }, 180_000);

  it("prints the app's logs and exits 1 when the tests fail", async () => {
    const { name, directory } = await project();
    editFile(path.join(directory, "mse_src", "app.mjs"), (text) =>
      text
        .replace('"Hello world"', '"Goodbye world"')
        .replace(
          "async function handle(req, res) {",
          "async function handle(req, res) {\n  console.log(`served ${req.url}`);",
        ),
    );
    const run = await runCli(["test-dev", "--project", directory, "--base-image", baseImage]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("not ok 1 - GET / says Hello world");
    expect(run.stderr).toMatch(
      /--- logs of the app container [^\n]+ ---\n[\s\S]*served \/health[\s\S]*--- end of logs ---/,
    );
    expect(run.stderr.trim().split("\n").at(-1)).toBe(
      `error: the tests failed: "node --test" exited with code 1 in ${path.join(directory, "tests")}.`,
    );
    expect(await leftovers(name)).toEqual([]);
  }, 180_000);

  it("fails at once, with the app's logs, when the app crashes at start", async () => {
    const { name, directory } = await project();
    editFile(
      path.join(directory, "mse_src", "app.mjs"),
      (text) => `${text}\nthrow new Error("the database is unreachable");\n`,
    );
    const started = Date.now();
    const run = await runCli(["test-dev", "--project", directory, "--base-image", baseImage]);
    expect(run.code).toBe(1);
    // Well within the 60 s healthcheck timeout: the exit is noticed, not waited out.
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(run.stderr).toMatch(
      /--- logs of the app container [^\n]+ ---\n[\s\S]*the database is unreachable/,
    );
    expect(run.stderr.trim().split("\n").at(-1)).toMatch(
      /^error: the app exited with code [1-9]\d* before answering GET \/health\.$/,
    );
    expect(await leftovers(name)).toEqual([]);
  }, 180_000);

  it("gives up after --timeout when the healthcheck never answers 200", async () => {
    const { name, directory } = await project();
    setTomlField(directory, "healthcheck_endpoint", '"/not-there"');
    const run = await runCli([
      "test-dev",
      "--project",
      directory,
      "--base-image",
      baseImage,
      "--timeout",
      "3",
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("--- logs of the app container");
    expect(run.stderr.trim().split("\n").at(-1)).toBe(
      "error: the app did not answer GET /not-there with 200 within 3 s (last: it answered 404).",
    );
    expect(await leftovers(name)).toEqual([]);
  }, 180_000);

  it("installs tests_requirements with npm into a copy of the tests, never into the tests directory", async () => {
    const { name, directory } = await project();
    // The tests import it as ESM.
    const requirement = await writeLocalEsmPackage(
      path.join(scratch, `greeting-${name}`),
      "msehome-greeting-fixture",
      'export const greeting = "Hello world";\n',
    );
    setTomlField(directory, "tests_requirements", JSON.stringify([requirement]));
    await writeFile(
      path.join(directory, "tests", "greeting.test.mjs"),
      [
        'import assert from "node:assert/strict";',
        'import { test } from "node:test";',
        'import { greeting } from "msehome-greeting-fixture";',
        'test("the requirement is importable and the app greets with it", async () => {',
        "  const body = await (await fetch(process.env.TEST_REMOTE_URL)).text();",
        "  assert.equal(body, greeting);",
        "});",
        "",
      ].join("\n"),
    );
    const run = await runCli(["test-dev", "--project", directory, "--base-image", baseImage, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).tests).toMatchObject({
      requirements: [requirement],
      ranIn: "temporary copy",
      exitCode: 0,
    });
    expect(run.stderr).toMatch(/\nok \d+ - the requirement is importable and the app greets with it\n/);
    expect(existsSync(path.join(directory, "tests", "node_modules"))).toBe(false);
    expect(await leftovers(name)).toEqual([]);
  }, 240_000);

  it("removes the container and exits 130 on Ctrl-C", async () => {
    const { name, directory } = await project();
    setTomlField(directory, "tests_cmd", '"echo tests-started; sleep 60"');
    const child = spawn(
      process.execPath,
      [CLI_PATH, "test-dev", "--project", directory, "--base-image", baseImage],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    let sent = false;
    const interrupted = new Promise<void>((resolve) => {
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
        if (!sent && stderr.includes("tests-started")) {
          sent = true;
          child.kill("SIGINT");
          resolve();
        }
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    await interrupted;
    // The tests were running, so the app container existed.
    const code = await exited;
    expect(code).toBe(130);
    expect(stderr).toContain("Ctrl-C: stopping and cleaning up");
    expect(stderr.trim().split("\n").at(-1)).toBe("error: interrupted by SIGINT.");
    expect(await leftovers(name)).toEqual([]);
  }, 180_000);
});

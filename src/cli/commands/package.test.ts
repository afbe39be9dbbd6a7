// `msehome package` as a user runs it: usage errors exit 2, an absent engine is one sentence, results print as JSON.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../test/support/cli.js";
import { describeDocker, testEngine } from "../../../test/support/docker.js";
import { uniqueName } from "../../../test/support/unique.js";
import { importNodeImage, removeImageTree } from "../../../test/support/testImage.js";
import { removeImage } from "../../docker/images.js";
import { imageRepositoryFor } from "../../provider/package.js";

const scratch = mkdtempSync(path.join(tmpdir(), "msehome-package-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function project(): Promise<{ name: string; directory: string }> {
  const name = uniqueName("cli-pkg");
  const parent = mkdtempSync(path.join(scratch, "p-"));
  const run = await runCli(["scaffold", name], { cwd: parent });
  expect(run.code, run.stderr).toBe(0);
  return { name, directory: path.join(parent, name) };
}

describe("msehome package usage", () => {
  it("exits 2 with one line when neither --project nor the four inputs are given", async () => {
    const run = await runCli(["package", "--output", scratch]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "error: give either --project DIR or all of --code, --config, --dockerfile and --test (missing: --code, --config, --dockerfile, --test).\n",
    );
  });

  it("exits 2 when --output is missing or a build argument is malformed", async () => {
    expect((await runCli(["package", "--project", scratch])).code).toBe(2);
    const bad = await runCli([
      "package",
      "--project",
      scratch,
      "--output",
      scratch,
      "--build-arg",
      "NOEQUALS",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected KEY=VALUE, got "NOEQUALS"');
  });

  it("says in one sentence that the engine is unreachable, and writes nothing", async () => {
    const { directory } = await project();
    const socket = path.join(scratch, "dead.sock");
    const output = path.join(scratch, "unreachable-out");
    const run = await runCli(["package", "--project", directory, "--output", output], {
      env: { DOCKER_HOST: `unix://${socket}` },
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([
      `error: cannot reach the Docker engine at unix://${socket} (no socket there); start Docker or point DOCKER_HOST at a running engine.`,
    ]);
    expect(existsSync(output)).toBe(false);
  });
});

describeDocker("msehome package with the engine", () => {
  const base = `msehome-test/${uniqueName("cli-base")}:1`;
  let baseId = "";
  const tags: string[] = [];

  beforeAll(async () => {
    baseId = await importNodeImage(testEngine(), base);
  });

  afterAll(async () => {
    for (const tag of tags) await removeImage(testEngine(), tag, { force: true, ignoreMissing: true });
    await removeImageTree(testEngine(), baseId);
  });

  it("prints the package, key and image as JSON with --json, progress going to stderr", async () => {
    const { name, directory } = await project();
    tags.push(`${imageRepositoryFor(name)}:latest`);
    const output = path.join(scratch, "json-out");
    const run = await runCli([
      "--json",
      "package",
      "--project",
      directory,
      "--output",
      output,
      "--encrypt",
      "--base-image",
      base,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as {
      name: string;
      package: { path: string; sizeBytes: number };
      key: string;
      image: { id: string; tag: string };
      members: Record<string, { sha256: string; sizeBytes: number }>;
    };
    expect(result.name).toBe(name);
    expect(readdirSync(output).sort()).toEqual(
      [path.basename(result.key), path.basename(result.package.path)].sort(),
    );
    expect(result.image.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Object.keys(result.members)).toEqual(["app.tar", "image.tar", "tests.tar", "mse.toml"]);
    expect(run.stderr).toContain(`Saving the image into ${path.basename(result.package.path)}\n`);
    // Not a terminal: the step's line alone, no bytes and rate.
    expect(run.stderr).not.toMatch(/\/s\b/);
    expect(run.stderr).not.toContain("\x1b[");
  });

  it("shows the failed build's last lines, then one error line naming the step", async () => {
    const { directory } = await project();
    writeFileSync(
      path.join(directory, "Dockerfile"),
      `FROM ${base}\nLABEL first=step\nCOPY missing.txt /m\n`,
    );
    const output = path.join(scratch, "failed-out");
    const run = await runCli(["package", "--project", directory, "--output", output]);
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines.at(-1)).toMatch(
      /^error: the image build failed at step 3\/3 \(COPY missing\.txt \/m\): .*missing\.txt.*\.$/,
    );
    expect(run.stderr).toContain("The image build's last lines:\n  Step 1/3 : FROM");
    expect(existsSync(output)).toBe(false);
  });

  it("prints the raw build log with --verbose", async () => {
    const { name, directory } = await project();
    tags.push(`${imageRepositoryFor(name)}:latest`);
    const run = await runCli([
      "--verbose",
      "package",
      "--project",
      directory,
      "--output",
      path.join(scratch, "verbose-out"),
      "--build-arg",
      `MSEHOME_BASE=${base}`,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^Step 2\/2 : FROM \$\{MSEHOME_BASE\}$/m);
    expect(run.stderr).toMatch(/^Successfully tagged /m);
    expect(run.stdout).toMatch(/^Package: .*package_.*\.tar \(\d+\.\d MiB\)\nImage: {3}sha256:/);
  });
});

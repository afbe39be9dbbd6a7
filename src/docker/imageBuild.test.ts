// Image builds against the real engine: build args, .dockerignore, step progress, and failures naming their step.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeDocker, testEngine } from "../../test/support/docker.js";
import { uniqueName } from "../../test/support/unique.js";
import { importNodeImage, removeImageTree } from "../../test/support/testImage.js";
import { ImageBuildError } from "./errors.js";
import { type BuildStep, buildImage } from "./imageBuild.js";
import { inspectImage, removeImage } from "./images.js";
import { runOneShotContainer } from "./oneShotContainer.js";

const scratch = mkdtempSync(path.join(tmpdir(), "msehome-build-"));
const base = `msehome-test/${uniqueName("base")}:1`;
const built: string[] = [];
let baseId = "";

function project(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(scratch, "project-"));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), content);
  }
  return root;
}

function tagFor(what: string): string {
  const tag = `msehome-test/${uniqueName(what)}:1`;
  built.push(tag);
  return tag;
}

describeDocker("image build", () => {
  beforeAll(async () => {
    baseId = await importNodeImage(testEngine(), base);
  });

  afterAll(async () => {
    for (const tag of built) await removeImage(testEngine(), tag, { force: true, ignoreMissing: true });
    await removeImageTree(testEngine(), baseId);
    rmSync(scratch, { recursive: true, force: true });
  });

  it("builds FROM a base given as build arg, reports each step, and honours .dockerignore", async () => {
    const root = project({
      Dockerfile:
        "ARG MSEHOME_BASE=msehome/base:0.0.0\nFROM ${MSEHOME_BASE}\nARG GREETING=none\nLABEL greeting=${GREETING}\nCOPY . /app\n",
      ".dockerignore": "*.secret\nignored/\n",
      "app.mjs": "export default 1;\n",
      "api.secret": "do not ship",
      "ignored/big.bin": "x",
    });
    const steps: BuildStep[] = [];
    const log: string[] = [];
    const tag = tagFor("built");
    const image = await buildImage(testEngine(), {
      contextDir: root,
      tag,
      buildArgs: { MSEHOME_BASE: base, GREETING: "hello" },
      onStep: (step) => steps.push(step),
      onLog: (line) => log.push(line),
    });
    expect(image.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(image.tag).toBe(tag);
    expect(steps.map((s) => `${s.index}/${s.total}`)).toEqual(["1/5", "2/5", "3/5", "4/5", "5/5"]);
    expect(steps[1]!.instruction).toBe("FROM ${MSEHOME_BASE}");
    expect(log.some((line) => line.startsWith("Successfully tagged"))).toBe(true);

    const info = await inspectImage(testEngine(), tag);
    expect(info?.id).toBe(image.id);
    expect(info?.labels.greeting).toBe("hello");

    const listing = await runOneShotContainer(testEngine(), {
      image: tag,
      entrypoint: [
        "/usr/bin/node",
        "-e",
        "console.log(JSON.stringify(require('fs').readdirSync('/app').sort()))",
      ],
    });
    expect(listing.exitCode).toBe(0);
    expect(JSON.parse(listing.stdout)).toEqual([".dockerignore", "Dockerfile", "app.mjs"]);
  });

  it("builds with a Dockerfile given by path and another name", async () => {
    const root = project({ "Custom.Dockerfile": `FROM ${base}\nLABEL kind=custom\n` });
    const tag = tagFor("custom");
    const image = await buildImage(testEngine(), {
      contextDir: root,
      dockerfile: path.join(root, "Custom.Dockerfile"),
      tag,
    });
    expect((await inspectImage(testEngine(), image.id))?.labels.kind).toBe("custom");
  });

  it("names the failing step and keeps the log's last lines", async () => {
    const root = project({ Dockerfile: `FROM ${base}\nLABEL stage=one\nCOPY missing.txt /missing.txt\n` });
    const failure = await buildImage(testEngine(), { contextDir: root, tag: tagFor("failing") }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ImageBuildError);
    const error = failure as ImageBuildError;
    expect(error.step).toEqual({ index: 3, total: 3, instruction: "COPY missing.txt /missing.txt" });
    expect(error.message).toMatch(
      /^the image build failed at step 3\/3 \(COPY missing\.txt \/missing\.txt\): .*missing\.txt/,
    );
    expect(error.logTail.some((line) => line.startsWith("Step 2/3 : LABEL stage=one"))).toBe(true);
    expect(error.logTail.at(-1)).toMatch(/missing\.txt/);
  });

  it("reports a Dockerfile the engine cannot parse", async () => {
    const root = project({ Dockerfile: `FROM ${base}\nFROBNICATE now\n` });
    await expect(buildImage(testEngine(), { contextDir: root, tag: tagFor("unparsable") })).rejects.toThrow(
      /^the image build failed.*frobnicate/i,
    );
  });
});

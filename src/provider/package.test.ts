// `package` against the real engine: a scaffolded project becomes a package whose members, digests,
// encryption and image all check out; failures leave the output directory as they found it.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeDocker, testEngine } from "../../test/support/docker.js";
import { uniqueName } from "../../test/support/unique.js";
import { tarContents } from "../../test/support/tarContents.js";
import { importNodeImage, removeImageTree } from "../../test/support/testImage.js";
import { parseSecretBoxKeyHex, secretBoxOpen } from "../crypto/secretBox.js";
import { ImageBuildError } from "../docker/errors.js";
import { inspectImage, removeImage } from "../docker/images.js";
import { loadImage } from "../docker/imageTransfer.js";
import { extractPackage } from "../package/packageReader.js";
import { MSEHOME_VERSION } from "../version.js";
import { baseImageHint } from "./appImage.js";
import { imageRepositoryFor, PackageInputError, packageApp } from "./package.js";
import { imageBuildArgs } from "./projectInputs.js";
import { scaffold } from "./scaffold.js";

const scratch = mkdtempSync(path.join(tmpdir(), "msehome-package-"));
const base = `msehome-test/${uniqueName("pkgbase")}:1`;
let baseId = "";

async function newProject(): Promise<{ name: string; directory: string }> {
  const name = uniqueName("pkg");
  const project = await scaffold(name, { parentDir: mkdtempSync(path.join(scratch, "projects-")) });
  return { name, directory: project.directory };
}

describe("package inputs", () => {
  it("refuse --project together with explicit inputs, as a usage error", async () => {
    const failure = await packageApp({ project: "p", code: "c", output: "o" }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(PackageInputError);
    expect((failure as PackageInputError).exitCode).toBe(2);
    expect((failure as Error).message).toBe(
      "--project cannot be combined with --code; give either --project DIR or all of --code, --config, --dockerfile and --test",
    );
  });

  it("name the explicit inputs that are missing", async () => {
    await expect(packageApp({ code: "c", config: "m", output: "o" })).rejects.toThrow(
      "give either --project DIR or all of --code, --config, --dockerfile and --test (missing: --dockerfile, --test)",
    );
  });

  it("name a project part that does not exist, before touching Docker or the output", async () => {
    const empty = mkdtempSync(path.join(scratch, "empty-"));
    const output = path.join(scratch, "never-created");
    await expect(packageApp({ project: empty, output })).rejects.toThrow(
      `the code directory ${path.join(empty, "mse_src")} does not exist`,
    );
    expect(() => statSync(output)).toThrow();
  });

  it("refuse two ways of naming the base image", async () => {
    const { directory } = await newProject();
    await expect(
      packageApp({ project: directory, output: scratch, baseImage: "a", buildArgs: { MSEHOME_BASE: "b" } }),
    ).rejects.toThrow("--base-image and --build-arg MSEHOME_BASE=... both set the base image; give one");
  });

  it("refuse --simulation together with another base image", async () => {
    const { directory } = await newProject();
    await expect(
      packageApp({ project: directory, output: scratch, simulation: true, baseImage: "a" }),
    ).rejects.toThrow(
      `--simulation builds on msehome/base:${MSEHOME_VERSION}-simulation and --base-image names another base image; give one`,
    );
    await expect(
      packageApp({ project: directory, output: scratch, simulation: true, buildArgs: { MSEHOME_BASE: "b" } }),
    ).rejects.toThrow("--simulation and --build-arg MSEHOME_BASE=... both set the base image; give one");
  });

  it("build on the simulation-only base with --simulation, else on the Dockerfile's (the SGX base)", () => {
    expect(imageBuildArgs({ simulation: true, buildArgs: { X: "1" } })).toEqual({
      X: "1",
      MSEHOME_BASE: `msehome/base:${MSEHOME_VERSION}-simulation`,
    });
    expect(imageBuildArgs({ buildArgs: { X: "1" } })).toEqual({ X: "1" });
    expect(imageBuildArgs({ baseImage: "mine:1" })).toEqual({ MSEHOME_BASE: "mine:1" });
  });

  it("say how to get the base image a build could not start FROM", () => {
    const sgx = baseImageHint(undefined);
    expect(sgx).toContain(`FROM the SGX base image msehome/base:${MSEHOME_VERSION}`);
    expect(sgx).toContain("scripts/build-base-image.sh --sgx");
    expect(sgx).toContain("add --simulation");
    expect(baseImageHint(`msehome/base:${MSEHOME_VERSION}`)).toBe(sgx);
    expect(baseImageHint(`msehome/base:${MSEHOME_VERSION}-simulation`)).toBe(
      `is the simulation base image built? Build msehome/base:${MSEHOME_VERSION}-simulation offline with scripts/build-base-image.sh`,
    );
    expect(baseImageHint("mine:1")).toBe(
      "is the base image mine:1 on the Docker engine? Build or pull it, or name another with --base-image",
    );
  });

  it("derive a valid Docker repository from any app name", () => {
    expect(imageRepositoryFor("My_App.v2")).toBe("msehome-package/my-app-v2");
    expect(imageRepositoryFor("--")).toBe("msehome-package/app");
  });
});

describeDocker("package with the engine", () => {
  const built: string[] = [];

  beforeAll(async () => {
    baseId = await importNodeImage(testEngine(), base);
  });

  afterAll(async () => {
    for (const tag of built) await removeImage(testEngine(), tag, { force: true, ignoreMissing: true });
    await removeImageTree(testEngine(), baseId);
    rmSync(scratch, { recursive: true, force: true });
  });

  it("packages a scaffolded project: members and digests check out, the image loads back", async () => {
    const { name, directory } = await newProject();
    built.push(`${imageRepositoryFor(name)}:latest`);
    writeFileSync(
      path.join(directory, "Dockerfile"),
      `${readFileSync(path.join(directory, "Dockerfile"), "utf8")}LABEL app=${name}\n`,
    );
    writeFileSync(path.join(directory, "mse_src", "debug.log"), "left out by .mseignore");
    const output = path.join(scratch, "out-plain");
    const phases: string[] = [];
    const transferred: number[] = [];
    const result = await packageApp({
      project: directory,
      output,
      baseImage: base,
      engine: testEngine(),
      reporter: { phase: (message) => phases.push(message), transferred: (bytes) => transferred.push(bytes) },
    });

    expect(path.basename(result.package.path)).toMatch(new RegExp(`^package_${name}_\\d{19}\\.tar$`));
    expect(readdirSync(output)).toEqual([path.basename(result.package.path)]);
    expect(result.key).toBeNull();
    expect(result.simulationOnly).toBe(false);
    expect(phases).toContain(`Saving the image into ${path.basename(result.package.path)}`);
    // Progress counts the image bytes as they stream into the package, up to all of them.
    expect(transferred.at(-1)).toBe(result.image.sizeBytes);
    expect(transferred).toEqual([...transferred].sort((a, b) => a - b));
    expect(phases.some((p) => p.startsWith("Building the image: step 2/3 FROM ${MSEHOME_BASE}"))).toBe(true);

    const opened = await extractPackage(result.package.path, path.join(scratch, "opened-plain"));
    expect(opened.manifest.name).toBe(name);
    expect(opened.manifest.encrypted).toBe(false);
    expect(opened.manifest.imageId).toBe(result.image.id);
    expect(opened.manifest.members).toEqual(result.members);
    expect(
      readFileSync(opened.files["mse.toml"]).equals(readFileSync(path.join(directory, "mse.toml"))),
    ).toBe(true);

    const code = await tarContents(opened.files["app.tar"]);
    expect([...code.keys()]).toEqual(["app.mjs"]);
    expect(
      code.get("app.mjs")!.content.equals(readFileSync(path.join(directory, "mse_src", "app.mjs"))),
    ).toBe(true);
    expect([...(await tarContents(opened.files["tests.tar"])).keys()]).toEqual(["app.test.mjs"]);

    // Only the `latest` tag stays; the package's own tag travels in image.tar.
    expect(await inspectImage(testEngine(), result.image.tag)).toBeUndefined();
    expect((await inspectImage(testEngine(), `${imageRepositoryFor(name)}:latest`))?.labels.app).toBe(name);
    const loaded = await loadImage(testEngine(), opened.files["image.tar"]);
    built.push(result.image.tag);
    expect(loaded.ids).toEqual([result.image.id]);
    expect(loaded.tags).toEqual([result.image.tag]);
  });

  it("gives the same code, tests and mse.toml members for the same inputs", async () => {
    const { name, directory } = await newProject();
    built.push(`${imageRepositoryFor(name)}:latest`);
    const options = { project: directory, baseImage: base, engine: testEngine() };
    const first = await packageApp({ ...options, output: path.join(scratch, "det-1") });
    const second = await packageApp({ ...options, output: path.join(scratch, "det-2") });
    expect(second.members["app.tar"]).toEqual(first.members["app.tar"]);
    expect(second.members["tests.tar"]).toEqual(first.members["tests.tar"]);
    expect(second.members["mse.toml"]).toEqual(first.members["mse.toml"]);
    expect(second.package.path).not.toBe(first.package.path);
  });

  it("encrypts every code file with --encrypt and writes the key beside the package", async () => {
    const { name, directory } = await newProject();
    built.push(`${imageRepositoryFor(name)}:latest`);
    mkdirSync(path.join(directory, "mse_src", "lib"));
    writeFileSync(path.join(directory, "mse_src", "lib", "util.mjs"), "export const util = 42;\n");
    const output = path.join(scratch, "out-encrypted");
    const result = await packageApp({
      project: directory,
      output,
      encrypt: true,
      baseImage: base,
      engine: testEngine(),
    });

    expect(result.encrypted).toBe(true);
    expect(result.key).toBe(result.package.path.replace(/\.tar$/, ".key"));
    expect(statSync(result.key!).mode & 0o777).toBe(0o600);
    const key = parseSecretBoxKeyHex(readFileSync(result.key!, "utf8"));
    expect(readdirSync(output).sort()).toEqual(
      [path.basename(result.key!), path.basename(result.package.path)].sort(),
    );

    const opened = await extractPackage(result.package.path, path.join(scratch, "opened-encrypted"));
    expect(opened.manifest.encrypted).toBe(true);
    const code = await tarContents(opened.files["app.tar"]);
    expect([...code.keys()]).toEqual(["app.mjs.enc", "lib/", "lib/util.mjs.enc"]);
    expect(Buffer.from(secretBoxOpen(code.get("lib/util.mjs.enc")!.content, key)).toString()).toBe(
      "export const util = 42;\n",
    );
    expect(
      Buffer.from(secretBoxOpen(code.get("app.mjs.enc")!.content, key)).equals(
        readFileSync(path.join(directory, "mse_src", "app.mjs")),
      ),
    ).toBe(true);
    expect(code.get("app.mjs.enc")!.content.includes(Buffer.from("export"))).toBe(false);
  });

  it("takes explicit inputs, with the Dockerfile's directory as build context", async () => {
    const { name, directory } = await newProject();
    built.push(`${imageRepositoryFor(name)}:latest`);
    const dockerDir = mkdtempSync(path.join(scratch, "docker-"));
    writeFileSync(path.join(dockerDir, "deps.txt"), "system dependencies\n");
    writeFileSync(
      path.join(dockerDir, "App.Dockerfile"),
      `ARG MSEHOME_BASE\nFROM \${MSEHOME_BASE}\nCOPY deps.txt /opt/deps.txt\n`,
    );
    const result = await packageApp({
      code: path.join(directory, "mse_src"),
      config: path.join(directory, "mse.toml"),
      dockerfile: path.join(dockerDir, "App.Dockerfile"),
      test: path.join(directory, "tests"),
      output: path.join(scratch, "out-explicit"),
      buildArgs: { MSEHOME_BASE: base },
      engine: testEngine(),
    });
    expect(result.image.id).not.toBe(baseId);
    expect(result.name).toBe(name);
  });

  it("leaves the output directory untouched when the build fails, naming the step", async () => {
    const { name, directory } = await newProject();
    writeFileSync(path.join(directory, "Dockerfile"), `FROM ${base}\nCOPY no-such-file /x\n`);
    const output = path.join(scratch, "out-failed");
    mkdirSync(output);
    writeFileSync(path.join(output, "notes.txt"), "already here");
    const failure = await packageApp({ project: directory, output, engine: testEngine() }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ImageBuildError);
    expect((failure as Error).message).toMatch(
      /^the image build failed at step 2\/2 \(COPY no-such-file \/x\): /,
    );
    expect(readdirSync(output)).toEqual(["notes.txt"]);
    expect(await inspectImage(testEngine(), `${imageRepositoryFor(name)}:latest`)).toBeUndefined();
  });

  it("hints at the base image when FROM cannot be resolved", async () => {
    const { directory } = await newProject();
    const output = path.join(scratch, "out-nobase");
    const failure = await packageApp({
      project: directory,
      output,
      baseImage: "msehome-test/definitely-not-built:0",
      engine: testEngine(),
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ImageBuildError);
    expect((failure as Error).message).toMatch(
      /^the image build failed at step 2\/2 \(FROM \$\{MSEHOME_BASE\}\): .*\(is the base image msehome-test\/definitely-not-built:0 on the Docker engine\? Build or pull it, or name another with --base-image\)$/,
    );
    expect(() => statSync(output)).toThrow(/ENOENT/);
  }, 120_000);
});

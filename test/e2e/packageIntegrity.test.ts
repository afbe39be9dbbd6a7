// A package's image reaches the engine only as its manifest describes it: spawn and verify --package
// stream image.tar from the package into the engine's load while hashing it, and an image.tar with
// one byte changed, or an image whose id is not the manifest's, is refused in one sentence with
// nothing left in the engine (no image, no tag, no container, no volume). Packages written before
// packages were streamed still spawn and verify.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { findContainer } from "../../src/docker/container.js";
import { inspectImage, removeImage } from "../../src/docker/images.js";
import { listVolumesByLabel } from "../../src/docker/volumes.js";
import { appImageTag } from "../../src/operator/appImage.js";
import { PackageFile } from "../../src/package/packageFile.js";
import { type PackageMember, PACKAGE_MEMBERS } from "../../src/package/packageManifest.js";
import { writePackage } from "../../src/package/packageWriter.js";
import { indexTar } from "../../src/package/tarIndex.js";
import { writeDeterministicTar } from "../../src/package/tarWriter.js";
import { imageRepositoryFor, packageApp } from "../../src/provider/package.js";
import { scaffold } from "../../src/provider/scaffold.js";
import { startPccsServer, type PccsServer } from "../../src/simulation/pccsServer.js";
import { initPlatform } from "../../src/simulation/platform.js";
import { ensureBaseImage } from "../support/baseImage.js";
import { type CliRun, runCli } from "../support/cli.js";
import { describeDocker, removeAppNamed, testEngine } from "../support/docker.js";
import { freePort, uniqueName } from "../support/unique.js";
import { VECTORS_DIR } from "../support/vectors.js";

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

const INTEGRITY =
  /^error: the package member image\.tar does not match its manifest \(SHA-256 [0-9a-f]{64} instead of [0-9a-f]{64}\); the package was altered or damaged\.$/;

describeDocker("package integrity on spawn and verify --package (simulation)", () => {
  const engine = testEngine();
  const name = uniqueName("integrity");
  const spawned: string[] = [];
  let work: string;
  let platformDir: string;
  let pccs: PccsServer;
  let packagePath: string;
  let imageId: string;
  /** Where image.tar's bytes are in the package. */
  let image: { offset: number; size: number };

  const spawnArgs = (appName: string, pkg: string, output: string, port: number) => [
    "spawn",
    appName,
    "--host",
    "localhost",
    "--port",
    String(port),
    "--size",
    "2048",
    "--package",
    pkg,
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
  ];
  const verifyArgs = (pkg: string, evidence: string) => [
    "verify",
    "--evidence",
    evidence,
    "--package",
    pkg,
    "--simulation",
    "--output",
    path.join(work, uniqueName("trust")),
  ];

  /** A copy of the package with one byte of image.tar changed, `at` bytes into the member. */
  async function withImageByteChanged(file: string, at: number): Promise<string> {
    const bytes = await readFile(packagePath);
    bytes[image.offset + at] = bytes[image.offset + at]! ^ 0x01;
    const changed = path.join(work, file);
    await writeFile(changed, bytes);
    return changed;
  }

  /** Nothing of the refused package is in the engine: no image of its id, no tag, no container, no volume. */
  async function expectNothingLeft(appName: string, options: { imagePresent?: boolean } = {}): Promise<void> {
    expect(await findContainer(engine, appName)).toBeUndefined();
    expect(await listVolumesByLabel(engine, { "msehome.app": appName })).toEqual([]);
    expect(await inspectImage(engine, appImageTag(appName))).toBeUndefined();
    const present = await inspectImage(engine, imageId);
    if (options.imagePresent) expect(present).toBeDefined();
    else expect(present).toBeUndefined();
    const images = (await engine.call("listing images", (api) => api.listImages())) as {
      RepoTags?: string[] | null;
    }[];
    const tags = images.flatMap((entry) => entry.RepoTags ?? []);
    expect(tags.filter((tag) => tag.startsWith(`${imageRepositoryFor(name)}:`))).toEqual([]);
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "msehome-e2e-integrity-"));
    platformDir = path.join(work, "platform");
    await initPlatform(platformDir);
    pccs = await startPccsServer({ host: "127.0.0.1", port: 0, platformDir, tls: true });
    const base = (await inspectImage(engine, await ensureBaseImage()))!.id;
    const { directory } = await scaffold(name, { parentDir: work });
    const dockerfile = path.join(directory, "Dockerfile");
    await writeFile(dockerfile, `${await readFile(dockerfile, "utf8")}\nLABEL msehome.test="${name}"\n`);
    const result = await packageApp({
      project: directory,
      output: path.join(work, "package"),
      baseImage: base,
      engine,
    });
    packagePath = result.package.path;
    imageId = result.image.id;
    // The operator's engine has to load the image from the package.
    await removeImage(engine, `${imageRepositoryFor(name)}:latest`, { ignoreMissing: true });
    expect(await inspectImage(engine, imageId)).toBeUndefined();
    const handle = await open(packagePath, "r");
    try {
      image = (await indexTar(handle, "package")).find((member) => member.name === "image.tar")!;
    } finally {
      await handle.close();
    }
  }, 300_000);

  afterAll(async () => {
    for (const app of spawned) {
      await removeAppNamed(app);
      await removeImage(engine, appImageTag(app), { ignoreMissing: true }).catch(() => undefined);
    }
    if (imageId)
      await removeImage(engine, imageId, { force: true, ignoreMissing: true }).catch(() => undefined);
    await pccs?.close();
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

  it("refuses an image.tar with one byte changed inside a layer: spawn and verify, one sentence, nothing left", async () => {
    const changed = await withImageByteChanged("layer-byte.tar", Math.floor(image.size / 2));
    const appName = uniqueName("integrity-layer");
    const output = path.join(work, "layer-out");
    expect(errorLine(await runCli(spawnArgs(appName, changed, output, await freePort())))).toMatch(INTEGRITY);
    expect(existsSync(output)).toBe(false);
    await expectNothingLeft(appName);

    const evidence = path.join(VECTORS_DIR, "mse-home-evidence.json");
    expect(errorLine(await runCli(verifyArgs(changed, evidence)))).toMatch(INTEGRITY);
    await expectNothingLeft(appName);
  }, 180_000);

  it("refuses an image.tar whose change Docker does not see (the image's tag), undoing the load", async () => {
    // The tag in image.tar's own manifest.json: Docker loads the image under the changed tag, and
    // only the package's SHA-256 tells; the load is taken back.
    const bytes = await readFile(packagePath);
    const member = bytes.subarray(image.offset, image.offset + image.size);
    const repository = Buffer.from(`"${imageRepositoryFor(name)}:`);
    const at = member.indexOf(repository);
    expect(at).toBeGreaterThan(0);
    // A digit of the tag, changed into another digit: still a valid tag.
    const changed = await withImageByteChanged("tag-byte.tar", at + repository.length + 5);
    const appName = uniqueName("integrity-tag");
    expect(
      errorLine(await runCli(spawnArgs(appName, changed, path.join(work, "tag-out"), await freePort()))),
    ).toMatch(INTEGRITY);
    await expectNothingLeft(appName);
    const evidence = path.join(VECTORS_DIR, "mse-home-evidence.json");
    expect(errorLine(await runCli(verifyArgs(changed, evidence)))).toMatch(INTEGRITY);
    await expectNothingLeft(appName);
  }, 180_000);

  it("refuses an image whose id differs from the manifest's: spawn and verify, one sentence, nothing left", async () => {
    // Every member matches the manifest, but the manifest names another image.
    const opened = await PackageFile.open(packagePath);
    const members = path.join(work, "members");
    await mkdir(members);
    const files = {} as Record<PackageMember, string>;
    try {
      for (const member of PACKAGE_MEMBERS) {
        files[member] = path.join(members, member);
        await opened.writeMember(member, files[member]);
      }
    } finally {
      await opened.close();
    }
    const otherId = `sha256:${"5".repeat(64)}`;
    const other = await writePackage(path.join(work, "other-id.tar"), {
      name,
      encrypted: false,
      imageId: otherId,
      files,
      image: files["image.tar"],
    });
    const sentence = new RegExp(
      `^error: loading the image failed: the package's image\\.tar holds ${imageId}, not the image ${otherId} its manifest names\\.$`,
    );
    const appName = uniqueName("integrity-id");
    const output = path.join(work, "id-out");
    expect(errorLine(await runCli(spawnArgs(appName, other.path, output, await freePort())))).toMatch(
      sentence,
    );
    expect(existsSync(output)).toBe(false);
    await expectNothingLeft(appName);
    const evidence = path.join(VECTORS_DIR, "mse-home-evidence.json");
    expect(errorLine(await runCli(verifyArgs(other.path, evidence)))).toMatch(sentence);
    await expectNothingLeft(appName);
  }, 180_000);

  it("spawns and verifies a package written by the tar-stream writer, as packages were before streaming", async () => {
    // The members as they are, tarred the way msehome wrote every package before (tar-stream, deterministic).
    const opened = await PackageFile.open(packagePath);
    const members = path.join(work, "legacy-members");
    await mkdir(members);
    try {
      for (const member of [...PACKAGE_MEMBERS, "manifest.json"] as const) {
        const target = path.join(members, member);
        if (member === "manifest.json") {
          await writeFile(target, await manifestText(packagePath));
        } else {
          await opened.writeMember(member, target);
        }
      }
    } finally {
      await opened.close();
    }
    const legacy = path.join(work, "package_legacy.tar");
    await writeDeterministicTar(
      [...PACKAGE_MEMBERS, "manifest.json"].map((member) => ({
        path: member,
        file: path.join(members, member),
      })),
      legacy,
    );

    const appName = uniqueName("integrity-legacy");
    spawned.push(appName);
    const output = path.join(work, "legacy-out");
    const run = ok(await runCli(spawnArgs(appName, legacy, output, await freePort())));
    expect(run.stdout).toContain(`Spawned ${appName} on a SIMULATED SGX platform: waiting for secrets.`);
    const verified = JSON.parse(
      ok(await runCli([...verifyArgs(legacy, path.join(output, "evidence.json")), "--json"])).stdout,
    ) as { accepted: boolean; package: { loadedImage: boolean; imageId: string } };
    expect(verified.accepted).toBe(true);
    // The engine held the image (the spawned app's): verify only hashed image.tar.
    expect(verified.package).toMatchObject({ loadedImage: false, imageId });

    // With the image present, a changed image.tar is still refused, and the app's image stays.
    const changed = await withImageByteChanged("present-byte.tar", Math.floor(image.size / 3));
    expect(errorLine(await runCli(verifyArgs(changed, path.join(output, "evidence.json"))))).toMatch(
      INTEGRITY,
    );
    await expectNothingLeft(uniqueName("integrity-none"), { imagePresent: true });
  }, 240_000);
});

/** manifest.json's text, read through the package index. */
async function manifestText(packageFile: string): Promise<string> {
  const handle = await open(packageFile, "r");
  try {
    const manifest = (await indexTar(handle, "package")).find((member) => member.name === "manifest.json")!;
    const bytes = Buffer.alloc(manifest.size);
    await handle.read(bytes, 0, manifest.size, manifest.offset);
    return bytes.toString("utf8");
  } finally {
    await handle.close();
  }
}

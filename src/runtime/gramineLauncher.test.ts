// The hardware launcher against Gramine's tools: the strict stand-ins of gramine-manifest,
// gramine-manifest-check and gramine-sgx-sign on the PATH (test/support/gramine), and real
// gramine-sgx-sign 1.9 output.
import { execFile } from "node:child_process";
import { mkdir, readFile, realpath, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { installGramineStandIns } from "../../test/support/gramine/standIns.js";
import { sharedLibraries } from "../../test/support/testImage.js";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import { VECTORS_DIR } from "../../test/support/vectors.js";
import { parseLaunchArguments } from "../model/launchArguments.js";
import { enclaveFiles, gramineDryRun, parseSignerMeasurement, renderManifest } from "./gramineLauncher.js";
import type { RuntimeLayout } from "./layout.js";

const run = promisify(execFile);
const ID = "0a7d1f04-5a0e-4e8a-9c3e-2b1f6f1f7c11";
const argv = [
  "--size",
  "2048M",
  "--san",
  "example.com",
  "--id",
  ID,
  "--application",
  "app.mjs:app",
  "--expiration",
  "1900000000",
];

const root = tempDirPerTest("gramine");
const tools = tempDirPerTest("gramine-tools");
let layout: RuntimeLayout;
let binDir: string;
const originalPath = process.env.PATH;

beforeEach(async () => {
  const libpal = sharedLibraries(await realpath(process.execPath))[0] as string;
  ({ binDir } = await installGramineStandIns(tools(), { nodePath: process.execPath, libpal }));
  process.env.PATH = `${binDir}:${originalPath}`;
  const dir = (name: string) => path.join(root(), name);
  layout = {
    appTar: dir("input/app.tar"),
    signerKey: dir("input/enclave-key.pem"),
    simulationPlatformDir: dir("input/sim-platform"),
    runtimeDir: dir("runtime"),
    dependenciesDir: dir("node_modules"),
    codeDir: dir("code"),
    appDir: dir("app"),
    storageDir: dir("storage"),
    secretsDir: dir("secrets"),
    enclaveDir: dir("enclave"),
  };
  await mkdir(path.join(layout.runtimeDir, "dist/runtime"), { recursive: true });
  await writeFile(path.join(layout.runtimeDir, "dist/runtime/enclaveMain.js"), "// the enclave entry\n");
  await mkdir(layout.codeDir, { recursive: true });
  await writeFile(path.join(layout.codeDir, "app.mjs"), "export const app = () => {};\n");
});

afterAll(() => {
  process.env.PATH = originalPath;
});

/** The dry run's MRENCLAVE with these launch arguments (the sample's, by default). */
const measurementOf = async (launch: string[] = argv): Promise<string> => {
  const output = await gramineDryRun(parseLaunchArguments(launch), layout);
  return Buffer.from(parseSignerMeasurement(output)).toString("hex");
};

describe("the Gramine launcher", () => {
  it("has gramine-manifest render a manifest that gramine-manifest-check accepts, its trusted files hashed", async () => {
    const manifest = await renderManifest(parseLaunchArguments(argv), layout);
    expect(manifest).toBe(enclaveFiles(layout).manifest);
    await expect(run("gramine-manifest-check", [manifest])).resolves.toMatchObject({ stdout: "" });
    const text = await readFile(manifest, "utf8");
    expect(text).toContain(`uri = "file:${layout.codeDir}/app.mjs"`);
    expect(text).toMatch(/sha256 = "[0-9a-f]{64}"/);
    expect(text).not.toContain("{{");
  });

  it("prints the MRENCLAVE gramine-sgx-sign computes, stable, whatever throw-away key signs it", async () => {
    const first = await measurementOf();
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(await measurementOf()).toBe(first);
  }, 60_000);

  // Every launch argument is checked end to end in the base image (test/e2e/hardwareDryRun).
  it("binds one byte of code, the enclave size and whether subprocesses are allowed", async () => {
    const seen = new Set([await measurementOf()]);
    seen.add(await measurementOf(argv.map((arg) => (arg === "2048M" ? "4096M" : arg))));
    seen.add(await measurementOf([...argv, "--subprocesses"]));
    await writeFile(path.join(layout.codeDir, "app.mjs"), "export const app = () => {}; \n");
    seen.add(await measurementOf());
    expect(seen.size).toBe(4);
  }, 90_000);

  it("fails with gramine-manifest's own reason when a trusted directory is missing", async () => {
    layout = { ...layout, codeDir: path.join(root(), "missing-code") };
    await expect(renderManifest(parseLaunchArguments(argv), layout)).rejects.toThrow(
      /^gramine-manifest failed to render the enclave's manifest: .*missing-code\/.* is not a directory/,
    );
  });

  it("says which tool is missing when Gramine is not installed", async () => {
    process.env.PATH = "/nonexistent";
    try {
      await expect(renderManifest(parseLaunchArguments(argv), layout)).rejects.toThrow(
        /^gramine-manifest is not installed in this image: SGX hardware needs the base image built from docker\/base\/Dockerfile/,
      );
    } finally {
      process.env.PATH = `${binDir}:${originalPath}`;
    }
  });
});

describe("gramine-sgx-sign output", () => {
  it("yields the MRENCLAVE real gramine-sgx-sign 1.9 printed, past its 73 memory lines", async () => {
    const output = await readFile(path.join(VECTORS_DIR, "gramine-sgx-sign-1.9.out"), "utf8");
    expect(output.split("\n").filter((line) => /^ {4}[0-9a-f]{16}-/.test(line))).toHaveLength(73);
    expect(Buffer.from(parseSignerMeasurement(output)).toString("hex")).toBe(
      "c25f968e7d2f28950c851edef2ffac9de2b7dd1696b9a30092256a8da7567411",
    );
  });

  it("says so when there is none", () => {
    expect(() => parseSignerMeasurement("Attributes:\n")).toThrow(/did not print a measurement/);
  });
});

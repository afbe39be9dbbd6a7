import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import {
  computeMeasurement,
  formatMeasurement,
  measurementList,
  type MeasurementInputs,
} from "./measurement.js";

const root = tempDirPerTest("measure");
let inputs: MeasurementInputs;

beforeEach(async () => {
  for (const dir of ["runtime/dist", "code/lib"]) await mkdir(path.join(root(), dir), { recursive: true });
  await writeFile(path.join(root(), "node"), "node binary");
  await writeFile(path.join(root(), "runtime/dist/main.js"), "runtime");
  await writeFile(path.join(root(), "code/app.mjs"), "export const app = () => {};");
  await writeFile(path.join(root(), "code/lib/b.mjs.enc"), Buffer.from([1, 2, 3]));
  await symlink("app.mjs", path.join(root(), "code/alias.mjs"));
  inputs = {
    nodeBinary: path.join(root(), "node"),
    runtimeDir: path.join(root(), "runtime"),
    dependenciesDir: path.join(root(), "absent"),
    codeDir: path.join(root(), "code"),
    args: {
      size: "4096M",
      san: "localhost",
      extraSans: [],
      id: "0a7d1f04-5a0e-4e8a-9c3e-2b1f6f1f7c11",
      application: "app.mjs:app",
      expiration: 1900000000,
      subprocesses: false,
    },
  };
});

const hex = async (i: MeasurementInputs): Promise<string> =>
  Buffer.from(await computeMeasurement(i)).toString("hex");

describe("measurement", () => {
  it("lists every measured thing in a canonical order", async () => {
    const list = await measurementList(inputs);
    expect(list[0]).toBe("msehome-measurement 1");
    expect(list[1]).toMatch(/^node [0-9a-f]{64}$/);
    expect(list).toContain("dependencies none");
    const code = list.filter((line) => line.startsWith("code"));
    expect(code.map((line) => line.split(" ")[1])).toEqual(['"alias.mjs"', '"app.mjs"', '"lib/b.mjs.enc"']);
    expect(code[0]).toBe('code-link "alias.mjs" "app.mjs"');
    expect(list.slice(-6)).toEqual([
      'arg size "4096M"',
      'arg san "localhost"',
      'arg id "0a7d1f04-5a0e-4e8a-9c3e-2b1f6f1f7c11"',
      'arg application "app.mjs:app"',
      "arg expiration 1900000000",
      "arg subprocesses false",
    ]);
  });

  it("lists further certificate names after the host, each on its own line, in order", async () => {
    const list = await measurementList({
      ...inputs,
      args: { ...inputs.args, extraSans: ["10.0.0.7", "app.internal"] },
    });
    expect(list.filter((line) => line.startsWith("arg san"))).toEqual([
      'arg san "localhost"',
      'arg san "10.0.0.7"',
      'arg san "app.internal"',
    ]);
    const swapped = { ...inputs, args: { ...inputs.args, extraSans: ["app.internal", "10.0.0.7"] } };
    const ordered = { ...inputs, args: { ...inputs.args, extraSans: ["10.0.0.7", "app.internal"] } };
    expect(await hex(swapped)).not.toBe(await hex(ordered));
  });

  it("is stable for the same inputs and changes with one byte of code", async () => {
    const first = await hex(inputs);
    expect(await hex(inputs)).toBe(first);
    await writeFile(path.join(root(), "code/lib/b.mjs.enc"), Buffer.from([1, 2, 4]));
    expect(await hex(inputs)).not.toBe(first);
  });

  it.each([
    ["size", { size: "8192M" }],
    ["san", { san: "127.0.0.1" }],
    ["further san", { extraSans: ["10.0.0.7"] }],
    ["id", { id: "0a7d1f04-5a0e-4e8a-9c3e-2b1f6f1f7c12" }],
    ["application", { application: "app.mjs:other" }],
    ["expiration", { expiration: 1900000001 }],
    ["subprocesses", { subprocesses: true }],
  ])("changes with the %s argument", async (_name, change) => {
    const before = await hex(inputs);
    expect(await hex({ ...inputs, args: { ...inputs.args, ...change } })).not.toBe(before);
  });

  it("binds the runtime, the Node binary and the image dependencies", async () => {
    const before = await hex(inputs);
    await writeFile(path.join(root(), "node"), "another node");
    const afterNode = await hex(inputs);
    expect(afterNode).not.toBe(before);
    await writeFile(path.join(root(), "runtime/dist/main.js"), "patched");
    const afterRuntime = await hex(inputs);
    expect(afterRuntime).not.toBe(afterNode);
    await mkdir(path.join(root(), "absent"));
    await writeFile(path.join(root(), "absent/dep.js"), "dependency");
    expect(await hex(inputs)).not.toBe(afterRuntime);
  });

  it("prints like gramine-sgx-sign", () => {
    expect(formatMeasurement(new Uint8Array(32).fill(0xab))).toBe(`Measurement:\n    ${"ab".repeat(32)}\n`);
  });
});

import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { parseSignerMeasurement } from "./gramineLauncher.js";
import { renderGramineManifest } from "./gramineManifest.js";
import { parseLaunchArguments } from "../model/launchArguments.js";
import { CONTAINER_LAYOUT } from "./layout.js";

const ID = "0a7d1f04-5a0e-4e8a-9c3e-2b1f6f1f7c11";
const argv = [
  "--size",
  "4096M",
  "--san",
  "example.com",
  "--id",
  ID,
  "--application",
  "app.mjs:app",
  "--expiration",
  "1900000000",
];
const gramine = {
  libos: "/usr/lib/x86_64-linux-gnu/gramine/libsysdb.so",
  runtimeDir: "/usr/lib/x86_64-linux-gnu/gramine/runtime/glibc",
};

function manifest(extra: string[] = [], hasDependencies = false) {
  const text = renderGramineManifest({
    args: parseLaunchArguments([...argv, ...extra]),
    layout: CONTAINER_LAYOUT,
    gramine,
    nodeBinary: "/usr/local/bin/node",
    nodeLibraries: ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6"],
    hasDependencies,
  });
  return parse(text) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe("Gramine manifest", () => {
  it("runs the enclave entry under Node with the launch arguments fixed in the measured argv", () => {
    const m = manifest();
    expect(m.libos.entrypoint).toBe("/usr/local/bin/node");
    expect(m.loader.entrypoint.uri).toBe(`file:${gramine.libos}`);
    expect(m.loader.argv).toEqual(["node", "/opt/msehome/runtime/dist/runtime/enclaveMain.js", ...argv]);
    expect(m.loader.insecure__use_cmdline_argv).toBeUndefined();
    expect(m.loader.insecure__use_host_env).toBeUndefined();
  });

  it("asks for a production DCAP enclave of the requested size", () => {
    const m = manifest();
    expect(m.sgx).toMatchObject({
      debug: false,
      enclave_size: "4096M",
      remote_attestation: "dcap",
      edmm_enable: false,
    });
    expect(manifest(["--debug"]).sgx.debug).toBe(true);
  });

  it("trusts Node, Gramine's runtime, the runtime and the code, and the image dependencies when present", () => {
    expect(manifest().sgx.trusted_files).toEqual([
      "file:/usr/local/bin/node",
      `file:${gramine.libos}`,
      `file:${gramine.runtimeDir}/`,
      "file:/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
      "file:/opt/msehome/runtime/",
      "file:/opt/msehome/code/",
    ]);
    expect(manifest([], true).sgx.trusted_files).toContain("file:/opt/msehome/node_modules/");
  });

  it("keeps storage in an encrypted mount sealed to MRENCLAVE and plaintext only in enclave memory", () => {
    const mounts = manifest().fs.mounts as Array<Record<string, string>>;
    expect(mounts).toContainEqual({
      type: "encrypted",
      path: "/opt/msehome/storage",
      uri: "file:/opt/msehome/storage",
      key_name: "_sgx_mrenclave",
    });
    expect(mounts).toContainEqual({ type: "tmpfs", path: "/opt/msehome/app" });
    expect(mounts).toContainEqual({ type: "tmpfs", path: "/opt/msehome/secrets" });
    expect(mounts).toContainEqual({ path: "/lib", uri: `file:${gramine.runtimeDir}` });
  });
});

describe("gramine-sgx-sign output", () => {
  it("yields the measurement it prints", () => {
    const output = `Attributes (required for enclave measurement):\n    size:        0x100000000\n    edmm:        False\nSGX remote attestation:\n    DCAP/ECDSA\nMeasurement:\n    ${"3c".repeat(32)}\n`;
    expect(Buffer.from(parseSignerMeasurement(output)).toString("hex")).toBe("3c".repeat(32));
  });

  it("says so when there is none", () => {
    expect(() => parseSignerMeasurement("Attributes:\n")).toThrow(/did not print a measurement/);
  });
});

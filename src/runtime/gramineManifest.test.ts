// The manifest template, rendered as gramine-manifest renders it (the strict stand-in's renderer:
// Gramine's globals, strict undefined, TOML, Gramine 1.9's schema).
import { describe, expect, it } from "vitest";
import { loadManifest, renderTemplate } from "../../test/support/gramine/manifest.js";
import { manifestSchemaProblem } from "../../test/support/gramine/manifestSchema.js";
import { parseLaunchArguments } from "../model/launchArguments.js";
import {
  GRAMINE_LIBOS,
  GRAMINE_RUNTIME_DIR,
  gramineManifestTemplate,
  templateString,
} from "./gramineManifest.js";
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
const installation = { pkglibdir: "/usr/lib/x86_64-linux-gnu/gramine" };
const libos = `${installation.pkglibdir}/libsysdb.so`;
const runtimeDir = `${installation.pkglibdir}/runtime/glibc`;

function template(extra: string[] = [], hasDependencies = false): string {
  return gramineManifestTemplate({
    args: parseLaunchArguments([...argv, ...extra]),
    layout: CONTAINER_LAYOUT,
    nodeBinary: "/usr/local/bin/node",
    nodeLibraries: ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6"],
    hasDependencies,
  });
}

/** The template rendered with Gramine's globals, as TOML (before the trusted files are hashed). */
function rendered(extra: string[] = [], hasDependencies = false) {
  // The LibOS hash is given so nothing is read from this machine's disk.
  const text = renderTemplate(template(extra, hasDependencies), {}, installation).replace(
    /^loader\.entrypoint\.uri = .*$/m,
    (line) => `${line}\nloader.entrypoint.sha256 = "${"0".repeat(64)}"`,
  );
  return loadManifest(text, installation) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe("Gramine manifest template", () => {
  it("uses Gramine's own paths only through gramine-manifest's template variables", () => {
    const text = template();
    expect(text).toContain(`"file:${GRAMINE_LIBOS}"`);
    expect(text).toContain(`"file:${GRAMINE_RUNTIME_DIR}"`);
    expect(text).not.toContain("/usr/lib/x86_64-linux-gnu/gramine");
  });

  it("renders to a manifest that passes Gramine 1.9's schema", () => {
    expect(manifestSchemaProblem(rendered())).toBeUndefined();
    expect(manifestSchemaProblem(rendered(["--debug", "--subprocesses"], true))).toBeUndefined();
  });

  it("runs the enclave entry under Node with the launch arguments fixed in the measured argv", () => {
    const m = rendered();
    expect(m.libos.entrypoint).toBe("/usr/local/bin/node");
    expect(m.loader.entrypoint.uri).toBe(`file:${libos}`);
    expect(m.loader.argv).toEqual(["node", "/opt/msehome/runtime/dist/runtime/enclaveMain.js", ...argv]);
    expect(m.loader.insecure__use_cmdline_argv).toBeUndefined();
    expect(m.loader.insecure__use_host_env).toBeUndefined();
  });

  it("asks for a production DCAP enclave of the requested size", () => {
    expect(rendered().sgx).toMatchObject({
      debug: false,
      enclave_size: "4096M",
      remote_attestation: "dcap",
      edmm_enable: false,
      max_threads: 32n,
    });
    expect(rendered(["--debug"]).sgx.debug).toBe(true);
  });

  it("disallows subprocesses unless the app asks, and never asks for insecure eventfd", () => {
    expect(rendered().sys.disallow_subprocesses).toBe(true);
    expect(rendered(["--subprocesses"]).sys.disallow_subprocesses).toBe(false);
    expect(rendered().sys.insecure__allow_eventfd).toBeUndefined();
    expect(template()).not.toMatch(/insecure__allow_eventfd/);
  });

  it("trusts Node, Gramine's runtime, the runtime and the code, and the image dependencies when present", () => {
    expect(rendered().sgx.trusted_files.map((file: { uri: string }) => file.uri)).toEqual([
      "file:/usr/local/bin/node",
      `file:${libos}`,
      `file:${runtimeDir}/`,
      "file:/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
      "file:/opt/msehome/runtime/",
      "file:/opt/msehome/code/",
    ]);
    expect(rendered([], true).sgx.trusted_files).toContainEqual({ uri: "file:/opt/msehome/node_modules/" });
  });

  it("keeps storage in an encrypted mount sealed to MRENCLAVE and plaintext only in enclave memory", () => {
    const mounts = rendered().fs.mounts as Array<Record<string, string>>;
    expect(mounts).toContainEqual({
      path: "/opt/msehome/storage",
      type: "encrypted",
      uri: "file:/opt/msehome/storage",
      key_name: "_sgx_mrenclave",
    });
    expect(mounts).toContainEqual({ path: "/opt/msehome/app", type: "tmpfs" });
    expect(mounts).toContainEqual({ path: "/opt/msehome/secrets", type: "tmpfs" });
    expect(mounts).toContainEqual({ path: "/tmp", type: "tmpfs" });
    expect(mounts).toContainEqual({ path: "/lib", uri: `file:${runtimeDir}` });
    expect(rendered().fs.start_dir).toBe("/opt/msehome/app");
  });

  it("writes values so that no application name can reach Jinja", () => {
    const sneaky = "{{ gramine.libos }}{% if true %}x{% endif %}{# c #}.mjs:app";
    const text = gramineManifestTemplate({
      args: { ...parseLaunchArguments(argv), application: sneaky },
      layout: CONTAINER_LAYOUT,
      nodeBinary: "/usr/local/bin/node",
      nodeLibraries: [],
      hasDependencies: false,
    });
    expect(text).not.toMatch(/\{[{%#] (?!gramine\.)/);
    const withHash = text.replace(
      /^loader\.entrypoint\.uri = .*$/m,
      (line) => `${line}\nloader.entrypoint.sha256 = "0"`,
    );
    const manifest = loadManifest(renderTemplate(withHash, {}, installation), installation) as {
      loader: { argv: string[] };
    };
    expect(manifest.loader.argv).toContain(sneaky);
  });

  it("quotes TOML strings with braces and control characters escaped", () => {
    expect(templateString('a"b\\c{d}\n')).toBe('"a\\"b\\\\c\\u007Bd\\u007D\\u000A"');
  });
});

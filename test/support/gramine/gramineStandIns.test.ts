// The Gramine stand-ins are as strict as Gramine 1.9's tools: checked against what the real tools
// printed and refused (test/vectors/gramine-1.9 and the messages quoted below, from the real tools).
import { readFile, writeFile } from "node:fs/promises";
import { generateKeyPairSync } from "node:crypto";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirPerTest } from "../tempDir.js";
import { VECTORS_DIR } from "../vectors.js";
import { readElf } from "./elf.js";
import { loadManifest, parseManifestToml } from "./manifest.js";
import { manifestSchemaProblem } from "./manifestSchema.js";
import { measureEnclave } from "./sgxMeasurement.js";
import { writeStandInInstallation } from "./standIns.js";
import { type GramineTool, runGramineTool } from "./tools.js";

const vector = (name: string) => path.join(VECTORS_DIR, "gramine-1.9", name);
const dir = tempDirPerTest("gramine-stand-ins");

/** Runs a stand-in in this process, on a stand-in installation. */
async function tool(name: GramineTool, argv: string[]) {
  const pkglibdir = path.join(dir(), "gramine");
  await writeStandInInstallation(pkglibdir, vector("stand-in-libpal.so"));
  let stdout = "";
  let stderr = "";
  const code = runGramineTool(
    name,
    argv,
    { pkglibdir },
    {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
    },
  );
  return { code, stdout, stderr };
}

async function file(name: string, content: string): Promise<string> {
  const at = path.join(dir(), name);
  await writeFile(at, content);
  return at;
}

function rsaKey(bits: number, exponent: number): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: bits, publicExponent: exponent });
  return privateKey.export({ type: "pkcs8", format: "pem" }) as string;
}

describe("gramine-sgx-sign stand-in", () => {
  it("computes MRENCLAVE and prints its report exactly as gramine-sgx-sign 1.9 did for msehome's manifest", async () => {
    const signed = await readFile(vector("msehome.manifest.sgx"));
    const sgx = parseManifestToml(signed.toString("utf8")).sgx as Record<string, unknown>;
    const { report } = measureEnclave(
      {
        enclaveSize: 2048 * 1024 * 1024,
        edmm: sgx.edmm_enable === true,
        maxThreads: Number(sgx.max_threads),
        remoteAttestation: String(sgx.remote_attestation),
      },
      signed,
      readElf(vector("stand-in-libpal.so")),
    );
    expect(`${report.join("\n")}\n`).toBe(await readFile(vector("gramine-sgx-sign.out"), "utf8"));
  });

  it("refuses keys SGX cannot use, with gramine-sgx-sign's words and usage exit code", async () => {
    const manifest = vector("msehome.manifest.sgx");
    const output = path.join(dir(), "out.manifest.sgx");
    const cases: Array<[string, string]> = [
      [rsaKey(2048, 3), "Invalid RSA key: expected key size 3072, got 2048"],
      [rsaKey(3072, 65537), "Invalid RSA key: expected exponent 3, got 65537"],
    ];
    for (const [pem, message] of cases) {
      const key = await file("key.pem", pem);
      const result = await tool("gramine-sgx-sign", [
        "--manifest",
        manifest,
        "--output",
        output,
        "--key",
        key,
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`Error: ${message}`);
    }
    const missing = await tool("gramine-sgx-sign", [
      "--manifest",
      manifest,
      "--output",
      output,
      "--key",
      "/none",
    ]);
    expect([missing.code, missing.stderr]).toEqual([
      2,
      expect.stringContaining("Error: Invalid value for '--key' / '-k': '/none': No such file or directory"),
    ]);
  });

  it("needs --output and refuses a manifest whose trusted file is missing", async () => {
    const key = await file("key.pem", rsaKey(3072, 3));
    const noOutput = await tool("gramine-sgx-sign", [
      "--manifest",
      vector("msehome.manifest.sgx"),
      "--key",
      key,
    ]);
    expect([noOutput.code, noOutput.stderr]).toEqual([
      2,
      expect.stringContaining("Error: Missing option --output"),
    ]);
    const manifest = await file(
      "missing.manifest",
      'libos.entrypoint = "/x"\nfs.mounts = []\nsgx.trusted_files = ["file:/nope"]\n',
    );
    const result = await tool("gramine-sgx-sign", [
      "--manifest",
      manifest,
      "--output",
      path.join(dir(), "x.sgx"),
      "--key",
      key,
    ]);
    expect([result.code, result.stderr]).toEqual([
      2,
      expect.stringContaining("Error: Missing trusted file: '/nope'"),
    ]);
  });
});

describe("gramine-manifest stand-in", () => {
  it("refuses what is not a TOML manifest: the bare paths msehome once rendered", async () => {
    const template = await file("bare.template", "{{ gramine.libos }}\n{{ gramine.runtimedir() }}\n");
    const result = await tool("gramine-manifest", [template]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
  });

  it("fails on an undefined variable, as Jinja's StrictUndefined does", async () => {
    const template = await file(
      "undefined.template",
      'libos.entrypoint = "{{ nodejs_dir }}/node"\nfs.mounts = []\n',
    );
    const result = await tool("gramine-manifest", [template]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/UndefinedError/);
    const defined = await tool("gramine-manifest", ["-Dnodejs_dir=/usr/bin", template]);
    expect(defined.code).toBe(0);
    expect(defined.stdout).toContain('entrypoint = "/usr/bin/node"');
  });

  it("validates against Gramine's schema with voluptuous' words, after filling the defaults", async () => {
    const cases: Array<[string, string]> = [
      [
        'libos.entrypoint = "/x"\nfs.mounts = []\nsys.foo = 1\n',
        "extra keys not allowed @ data['sys']['foo']",
      ],
      [
        "libos.entrypoint = 3\nfs.mounts = []\n",
        "expected str for dictionary value @ data['libos']['entrypoint']",
      ],
      ['libos.entrypoint = "/x"\n', "required key not provided @ data['fs']"],
      [
        'libos.entrypoint = "/x"\nfs.mounts = []\nsgx.max_threads = 4.0\n',
        "expected int for dictionary value @ data['sgx']['max_threads']",
      ],
    ];
    for (const [text, problem] of cases) {
      const result = await tool("gramine-manifest", [await file("case.template", text)]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`ERROR: manifest failed validation: ${problem}\n`);
    }
    // Like voluptuous' isinstance(value, int), a bool passes as an int.
    const bool = await tool("gramine-manifest", [
      await file("bool.template", 'libos.entrypoint = "/x"\nfs.mounts = []\nsgx.max_threads = true\n'),
    ]);
    expect(bool.code).toBe(0);
  });

  it("takes a template file or -c, not both", async () => {
    const template = await file("t.template", 'libos.entrypoint = "/x"\nfs.mounts = []\n');
    const both = await tool("gramine-manifest", ["-c", "x = 1", template]);
    expect([both.code, both.stderr]).toEqual([
      2,
      expect.stringContaining("specify exactly one of (infile, -c)"),
    ]);
  });
});

describe("gramine-manifest-check stand-in", () => {
  it("accepts the manifest the real tools rendered and signed from msehome's template", async () => {
    const result = await tool("gramine-manifest-check", [vector("msehome.manifest.sgx")]);
    expect(result).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(
      manifestSchemaProblem(
        loadManifest(await readFile(vector("msehome.manifest.sgx"), "utf8"), {
          pkglibdir: "/usr/lib/x86_64-linux-gnu/gramine",
        }),
      ),
    ).toBeUndefined();
  });

  it("checks the document as it is, without gramine-manifest's defaults", async () => {
    const result = await tool("gramine-manifest-check", [
      await file("raw.manifest", 'libos.entrypoint = "/x"\nfs.mounts = []\n'),
    ]);
    expect(result).toMatchObject({
      code: 1,
      stdout: "error in manifest: required key not provided @ data['loader']\n",
    });
  });
});

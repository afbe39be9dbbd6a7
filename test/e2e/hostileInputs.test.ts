// Every command that reads a file from someone else, given that file truncated, corrupted, empty,
// oversized, unreadable or a directory: exit 1 or 2, one `error:` sentence as the last line of
// stderr, no stack trace, nothing on stdout, and no output written (not even a partial file).
// The spawn of a damaged package runs against a real engine and a simulated platform and PCCS.
import { chmod, mkdir, mkdtemp, readdir, rm, truncate, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { generateKeyPairSync } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderCollateralJson } from "../../src/attestation/collateral.js";
import { vectorEvidence } from "../../src/attestation/testing/msehomeEvidence.js";
import { vectorBytes, vectorText } from "../../src/attestation/testing/vectors.js";
import { aesGcmEncrypt } from "../../src/crypto/aesGcm.js";
import { fernetEncrypt } from "../../src/crypto/fernet.js";
import { sealBox } from "../../src/crypto/sealedBox.js";
import { findContainer } from "../../src/docker/container.js";
import { MAX_INPUT_DOCUMENT_BYTES } from "../../src/model/inputFile.js";
import { renderMseToml } from "../../src/model/mseToml.js";
import { raTlsCertificate, rsa3072SignerPem } from "../../src/provider/testing/simulatedEvidence.js";
import { startPccsServer, type PccsServer } from "../../src/simulation/pccsServer.js";
import { initPlatform, type Platform } from "../../src/simulation/platform.js";
import { type CliRun, runCli } from "../support/cli.js";
import { describeDocker, testEngine } from "../support/docker.js";
import { freePort, uniqueName } from "../support/unique.js";

const KINDS = ["truncated", "corrupted", "empty", "oversized", "unreadable", "a directory"] as const;
type Kind = (typeof KINDS)[number];

/** Writes at `file` the hostile form of a valid input. */
async function writeHostile(kind: Kind, valid: Uint8Array, file: string): Promise<void> {
  switch (kind) {
    case "truncated":
      return writeFile(file, valid.subarray(0, Math.floor(valid.length / 2)));
    case "corrupted": {
      const bytes = Buffer.from(valid);
      bytes.write("\u00ff\u0000garbage\u0001", Math.floor(bytes.length / 3), "latin1");
      return writeFile(file, bytes);
    }
    case "empty":
      return writeFile(file, "");
    case "oversized":
      // The valid content, then zeros up to past the largest document msehome reads whole.
      await writeFile(file, valid);
      return truncate(file, MAX_INPUT_DOCUMENT_BYTES + 1);
    case "unreadable":
      await writeFile(file, valid);
      return chmod(file, 0o000);
    case "a directory":
      await mkdir(file);
      return;
  }
}

/** Runs msehome; as root, without the capabilities that let root read any file (so mode 000 means unreadable). */
function runAsUser(args: string[], cwd: string): Promise<CliRun> {
  return runCli(args, { cwd, dropFilePermissionOverride: true });
}

/** Exit 1 or 2, and the last line of stderr is the only `error:` line; no stack trace, nothing on stdout. */
function expectOneSentence(run: CliRun): void {
  const context = `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;
  expect([1, 2], context).toContain(run.code);
  const lines = run.stderr.trim().split("\n");
  expect(
    lines.filter((line) => line.startsWith("error:")),
    context,
  ).toEqual([lines.at(-1)]);
  expect(lines.at(-1), context).toMatch(/^error: \S.*[.!?]$/);
  expect(run.stderr, context).not.toMatch(/^\s+at /m);
  expect(run.stdout, context).toBe("");
}

interface Case {
  /** What the hostile file is given as. */
  role: string;
  valid: () => Uint8Array;
  /** The command line, the hostile file at `input`, outputs under `out` (which must stay absent). */
  args: (input: string, out: string) => string[];
}

let work: string;
let platform: Platform;
const files: Record<string, string> = {};
const bytes: Record<string, Uint8Array> = {};
const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "utf8"));

async function tarOf(members: Record<string, string>): Promise<Uint8Array> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(members)) pack.entry({ name }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

const MRENCLAVE = "00".repeat(32);
const AES_KEY = "11".repeat(32);

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "msehome-hostile-"));
  // Others must reach the files when the CLI runs without root's file permission override.
  await chmod(work, 0o755);
  platform = await initPlatform(path.join(work, "platform"));
  const vector = vectorEvidence();
  const signerPem = rsa3072SignerPem();
  const fernetKey = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 3072, publicExponent: 3 });
  const certificate = raTlsCertificate(platform, { signerPem });
  Object.assign(bytes, {
    evidence: utf8(vectorText("mse-home-evidence.json")),
    package: await tarOf({
      "app.tar": "a",
      "image.tar": "i",
      "manifest.json": "{}",
      "mse.toml": "",
      "tests.tar": "t",
    }),
    secrets: utf8('{"api_key":"s3cr3t","nested":{"a":[1,2,3]}}'),
    certificate: utf8(certificate.certificatePem),
    quote: vectorBytes("intel-sgx-ra-quote.dat"),
    vectorCertificate: utf8(vector.certificatePem),
    collateral: utf8(renderCollateralJson(vector.collateral)),
    fernetKey: utf8(`${fernetKey}\n`),
    token: utf8(fernetEncrypt(fernetKey, Buffer.from("a result"))),
    aesResult: aesGcmEncrypt(Buffer.from(AES_KEY, "hex"), Buffer.from("a result ".repeat(100))),
    sealedSecrets: sealBox(Buffer.from('{"a":1}'), certificate.enclaveKeys.publicKey),
    codeKey: utf8(`${"ab".repeat(32)}\n`),
    signerKey: utf8(privateKey.export({ type: "pkcs8", format: "pem" }) as string),
    mseToml: utf8(
      renderMseToml({
        name: "hostile",
        application: "app.mjs:app",
        healthcheck_endpoint: "/health",
        tests_cmd: "node --test",
        tests_requirements: [],
        allow_subprocesses: false,
      }),
    ),
  });
  for (const [name, content] of Object.entries(bytes)) {
    files[name] = path.join(work, `valid-${name}`);
    await writeFile(files[name], content);
  }
  await mkdir(path.join(work, "tests"));
  await mkdir(path.join(work, "code"));
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const CASES: Record<string, Case> = {
  "verify --evidence": {
    role: "evidence",
    valid: () => bytes.evidence!,
    args: (input, out) => ["verify", "--evidence", input, "--mrenclave", MRENCLAVE, "--output", out],
  },
  "verify --package": {
    role: "package",
    valid: () => bytes.package!,
    args: (input, out) => ["verify", "--evidence", files.evidence!, "--package", input, "--output", out],
  },
  "seal --secrets": {
    role: "secrets",
    valid: () => bytes.secrets!,
    args: (input, out) => ["seal", "--secrets", input, "--cert", files.certificate!, "--output", out],
  },
  "seal --cert": {
    role: "certificate",
    valid: () => bytes.certificate!,
    args: (input, out) => ["seal", "--secrets", files.secrets!, "--cert", input, "--output", out],
  },
  "quote show": {
    role: "quote",
    valid: () => bytes.quote!,
    args: (input) => ["quote", "show", input],
  },
  "quote verify QUOTE": {
    role: "certificate",
    valid: () => bytes.vectorCertificate!,
    args: (input) => [
      "quote",
      "verify",
      input,
      "--collateral",
      files.collateral!,
      "--at",
      "2023-06-21T00:00:00Z",
    ],
  },
  "quote verify --collateral": {
    role: "collateral",
    valid: () => bytes.collateral!,
    args: (input) => [
      "quote",
      "verify",
      files.vectorCertificate!,
      "--collateral",
      input,
      "--at",
      "2023-06-21T00:00:00Z",
    ],
  },
  "decrypt --key": {
    role: "key file",
    valid: () => bytes.fernetKey!,
    args: (input, out) => ["decrypt", "--key", input, "--output", out, files.token!],
  },
  "decrypt (Fernet token)": {
    role: "token",
    valid: () => bytes.token!,
    args: (input, out) => ["decrypt", "--key", files.fernetKey!, "--output", out, input],
  },
  "decrypt --aes (AES-GCM result)": {
    role: "result",
    valid: () => bytes.aesResult!,
    args: (input, out) => ["decrypt", "--aes", AES_KEY, "--output", out, input],
  },
  "run --secrets": {
    role: "secrets",
    valid: () => bytes.secrets!,
    args: (input) => ["run", "--secrets", input, "no-such-app"],
  },
  "run --sealed-secrets": {
    role: "sealed secrets",
    valid: () => bytes.sealedSecrets!,
    args: (input) => ["run", "--sealed-secrets", input, "no-such-app"],
  },
  "run --key": {
    role: "code key",
    valid: () => bytes.codeKey!,
    args: (input) => ["run", "--key", input, "no-such-app"],
  },
  "spawn --signer-key": {
    role: "signer key",
    valid: () => bytes.signerKey!,
    args: (input, out) => [
      "spawn",
      "no-such-app",
      "--host",
      "localhost",
      "--port",
      "7777",
      "--size",
      "2048",
      "--package",
      files.package!,
      "--signer-key",
      input,
      "--output",
      out,
      "--pccs",
      "http://127.0.0.1:9",
      "--simulation",
      "--platform",
      path.join(work, "platform"),
    ],
  },
  "test --config": {
    role: "mse.toml",
    valid: () => bytes.mseToml!,
    args: (input) => ["test", "--config", input, "--test", path.join(work, "tests"), "no-such-app"],
  },
  "package --config": {
    role: "mse.toml",
    valid: () => bytes.mseToml!,
    args: (input, out) => [
      "package",
      "--code",
      path.join(work, "code"),
      "--config",
      input,
      "--dockerfile",
      files.mseToml!,
      "--test",
      path.join(work, "tests"),
      "--output",
      out,
    ],
  },
};

// Each case is its own process and directory: they run side by side.
describe.concurrent("hostile input files through the CLI", () => {
  for (const [command, spec] of Object.entries(CASES)) {
    describe(command, () => {
      it.each(KINDS)(`a ${spec.role} that is %s: exit 1 or 2, one sentence, no output`, async (kind) => {
        const dir = await mkdtemp(path.join(work, "case-"));
        await chmod(dir, 0o777);
        const input = path.join(dir, `input-${spec.role.replace(/\W+/g, "-")}`);
        await writeHostile(kind, spec.valid(), input);
        const out = path.join(dir, "out");
        const before = (await readdir(dir)).sort();
        const run = await runAsUser(spec.args(input, out), dir);
        expectOneSentence(run);
        expect(existsSync(out), `${out} was written`).toBe(false);
        expect((await readdir(dir)).sort(), "something was left beside the input").toEqual(before);
      });
    });
  }
});

describeDocker("spawn of a damaged package (simulated platform, real engine)", () => {
  let pccs: PccsServer;
  beforeAll(async () => {
    pccs = await startPccsServer({
      host: "127.0.0.1",
      port: 0,
      platformDir: path.join(work, "platform"),
      tls: false,
    });
  });
  afterAll(async () => {
    await pccs?.close();
  });

  it.each(["truncated", "corrupted", "empty"] as const)(
    "a package that is %s: one sentence, no container, no output directory",
    async (kind) => {
      const dir = await mkdtemp(path.join(work, "spawn-"));
      const name = uniqueName("hostile");
      const input = path.join(dir, "package_hostile_1.tar");
      // A package whose members really are there, so the damage is what stops it.
      await writeHostile(kind, bytes.package!, input);
      const out = path.join(dir, "out");
      const run = await runCli(
        [
          "spawn",
          name,
          "--host",
          "localhost",
          "--port",
          String(await freePort()),
          "--size",
          "2048",
          "--package",
          input,
          "--output",
          out,
          "--pccs",
          pccs.url,
          "--simulation",
          "--platform",
          path.join(work, "platform"),
        ],
        { cwd: dir },
      );
      expectOneSentence(run);
      expect(existsSync(out)).toBe(false);
      expect(await findContainer(testEngine(), name)).toBeUndefined();
    },
    120_000,
  );
});

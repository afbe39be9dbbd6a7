// scaffold: the generated app, served by a plain http(s) server, passes its own generated tests,
// and its results decrypt with msehome's own crypto.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { aesGcmDecrypt } from "../crypto/aesGcm.js";
import { fernetDecrypt } from "../crypto/fernet.js";
import { InvalidAppNameError } from "../model/appName.js";
import { readMseToml } from "../model/mseToml.js";
import { listPackagedFiles } from "../package/ignore.js";
import { MSEHOME_VERSION } from "../version.js";
import { ScaffoldTargetError, scaffold, type ScaffoldResult } from "./scaffold.js";
import { selfSignedCertificate } from "./testing/selfSignedCertificate.js";

type Listener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

let base: string;
let result: ScaffoldResult;
let app: Listener;
let secrets: { result_aes_key: string };
let sealed: { result_sk: string };

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), "msehome-scaffold-"));
  result = await scaffold("demo-app", { parentDir: base });
  const module = (await import(pathToFileURL(path.join(result.directory, "mse_src", "app.mjs")).href)) as {
    app: Listener;
  };
  app = module.app;
  secrets = JSON.parse(await readFile(path.join(result.directory, "secrets.json"), "utf8")) as typeof secrets;
  sealed = JSON.parse(
    await readFile(path.join(result.directory, "secrets_to_seal.json"), "utf8"),
  ) as typeof sealed;
  process.env.SECRETS_PATH = path.join(result.directory, "secrets.json");
  process.env.SEALED_SECRETS_PATH = path.join(result.directory, "secrets_to_seal.json");
});

afterAll(async () => {
  delete process.env.SECRETS_PATH;
  delete process.env.SEALED_SECRETS_PATH;
  await rm(base, { recursive: true, force: true });
});

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function close(server: http.Server | https.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

interface TapSummary {
  code: number;
  pass: number;
  fail: number;
  skip: number;
  output: string;
}

/** Runs the app's own tests (tests_cmd, with the TAP reporter so the counts can be read). */
function runAppTests(env: Record<string, string>): Promise<TapSummary> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--test", "--test-reporter=tap"],
      { cwd: path.join(result.directory, "tests"), env: { PATH: process.env.PATH ?? "", ...env } },
      (error, stdout, stderr) => {
        const count = (pattern: string) =>
          Number(new RegExp(`^# (?:${pattern}) (\\d+)$`, "m").exec(stdout)?.[1]);
        resolve({
          code: error ? Number(error.code ?? 1) : 0,
          pass: count("pass"),
          fail: count("fail"),
          skip: count("skip|skipped"),
          output: stdout + stderr,
        });
      },
    );
  });
}

async function get(port: number, pathname: string): Promise<{ status: number; body: Buffer }> {
  const response = await fetch(`http://127.0.0.1:${port}${pathname}`);
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

describe("scaffold", () => {
  it("writes the app, its tests, mse.toml, Dockerfile, ignore files and fresh secrets", async () => {
    expect(result.files).toEqual([
      ".dockerignore",
      ".gitignore",
      "Dockerfile",
      "README.md",
      "mse.toml",
      "mse_src/.mseignore",
      "mse_src/app.mjs",
      "secrets.json",
      "secrets_to_seal.json",
      "tests/app.test.mjs",
    ]);
    const config = await readMseToml(path.join(result.directory, "mse.toml"));
    expect(config).toEqual({
      name: "demo-app",
      application: "app.mjs:app",
      healthcheck_endpoint: "/health",
      tests_cmd: "node --test",
      tests_requirements: [],
      allow_subprocesses: false,
    });
    const dockerfile = await readFile(path.join(result.directory, "Dockerfile"), "utf8");
    const instructions = dockerfile.split("\n").filter((line) => line.trim() && !line.startsWith("#"));
    expect(instructions).toEqual([
      `ARG MSEHOME_BASE=msehome/base:${MSEHOME_VERSION}`,
      "FROM ${MSEHOME_BASE}",
    ]);
    // The enclave sees only the manifest's files: the Dockerfile never suggests system packages.
    expect(dockerfile).not.toMatch(/^#\s*RUN .*apt-get/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(await readFile(path.join(result.directory, "README.md"), "utf8")).toMatch(/^# demo-app\n/);
  });

  it("generates random keys, readable by their owner only", async () => {
    expect(secrets.result_aes_key).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from(sealed.result_sk, "base64url")).toHaveLength(32);
    for (const file of ["secrets.json", "secrets_to_seal.json"]) {
      expect((await stat(path.join(result.directory, file))).mode & 0o077).toBe(0);
    }
    const other = await scaffold("other", { parentDir: base });
    const otherSecrets = JSON.parse(await readFile(path.join(other.directory, "secrets.json"), "utf8")) as {
      result_aes_key: string;
    };
    expect(otherSecrets.result_aes_key).not.toBe(secrets.result_aes_key);
  });

  it("packages only the app module from mse_src (its .mseignore excludes itself)", async () => {
    expect(await listPackagedFiles(path.join(result.directory, "mse_src"))).toEqual(["app.mjs"]);
  });

  it("serves the app with a plain http.Server, and it passes its own tests with secrets set", async () => {
    const server = http.createServer(app);
    const port = await listen(server);
    try {
      const run = await runAppTests({
        TEST_REMOTE_URL: `http://127.0.0.1:${port}`,
        TEST_SECRET_JSON: path.join(result.directory, "secrets.json"),
        TEST_SEALED_SECRET_JSON: path.join(result.directory, "secrets_to_seal.json"),
      });
      expect(run, run.output).toMatchObject({ code: 0, pass: 4, fail: 0, skip: 0 });
    } finally {
      await close(server);
    }
  });

  it("skips only the secret tests when their variables are unset", async () => {
    const server = http.createServer(app);
    const port = await listen(server);
    try {
      const run = await runAppTests({ TEST_REMOTE_URL: `http://127.0.0.1:${port}/` });
      expect(run, run.output).toMatchObject({ code: 0, pass: 2, fail: 0, skip: 2 });
    } finally {
      await close(server);
    }
  });

  it("fails its secret tests when the app encrypts under other keys", async () => {
    const server = http.createServer(app);
    const port = await listen(server);
    const wrong = path.join(base, "wrong");
    await mkdir(wrong, { recursive: true });
    await writeFile(path.join(wrong, "s.json"), JSON.stringify({ result_aes_key: "11".repeat(32) }));
    await writeFile(
      path.join(wrong, "t.json"),
      JSON.stringify({ result_sk: Buffer.alloc(32, 7).toString("base64url") }),
    );
    try {
      const run = await runAppTests({
        TEST_REMOTE_URL: `http://127.0.0.1:${port}`,
        TEST_SECRET_JSON: path.join(wrong, "s.json"),
        TEST_SEALED_SECRET_JSON: path.join(wrong, "t.json"),
      });
      expect(run, run.output).toMatchObject({ pass: 2, fail: 2 });
      expect(run.code).not.toBe(0);
    } finally {
      await close(server);
    }
  });

  it("passes its tests over HTTPS with a self-signed certificate, pinned or not", async () => {
    const { certificatePem, privateKeyPem } = await selfSignedCertificate();
    const server = https.createServer({ cert: certificatePem, key: privateKeyPem }, app);
    const port = await listen(server);
    const pem = path.join(base, "ratls.pem");
    await writeFile(pem, certificatePem);
    const env = {
      TEST_REMOTE_URL: `https://127.0.0.1:${port}`,
      TEST_SECRET_JSON: path.join(result.directory, "secrets.json"),
      TEST_SEALED_SECRET_JSON: path.join(result.directory, "secrets_to_seal.json"),
    };
    try {
      const unpinned = await runAppTests(env);
      expect(unpinned, unpinned.output).toMatchObject({ code: 0, pass: 4 });
      const pinned = await runAppTests({ ...env, TEST_RATLS_CERT: pem });
      expect(pinned, pinned.output).toMatchObject({ code: 0, pass: 4 });
      const other = await selfSignedCertificate();
      await writeFile(pem, other.certificatePem);
      const mismatch = await runAppTests({ ...env, TEST_RATLS_CERT: pem });
      expect(mismatch.code).not.toBe(0);
      expect(mismatch.output).toMatch(/did not present the certificate/);
    } finally {
      await close(server);
    }
  });

  it("returns results that msehome's AES-GCM and Fernet decrypt", async () => {
    const server = http.createServer(app);
    const port = await listen(server);
    try {
      const aes = await get(port, "/result/secrets");
      expect(aes.status).toBe(200);
      const key = new Uint8Array(Buffer.from(secrets.result_aes_key, "hex"));
      expect(new TextDecoder().decode(aesGcmDecrypt(key, aes.body))).toBe(
        "message using result_aes_key from SECRETS",
      );
      const token = await get(port, "/result/sealed_secrets");
      expect(new TextDecoder().decode(fernetDecrypt(sealed.result_sk, token.body.toString()))).toBe(
        "message using result_sk from SEALED_SECRETS",
      );
      expect((await get(port, "/nowhere")).status).toBe(404);
      const post = await fetch(`http://127.0.0.1:${port}/`, { method: "POST" });
      expect(post.status).toBe(405);
    } finally {
      await close(server);
    }
  });

  it("answers 503 without echoing anything when no secrets are provisioned", async () => {
    const server = http.createServer(app);
    const port = await listen(server);
    const saved = process.env.SECRETS_PATH;
    delete process.env.SECRETS_PATH;
    try {
      const response = await get(port, "/result/secrets");
      expect(response.status).toBe(503);
      expect(response.body.toString()).toMatch(/SECRETS_PATH is unset/);
    } finally {
      process.env.SECRETS_PATH = saved;
      await close(server);
    }
  });

  it("refuses a non-empty directory and leaves it as it was", async () => {
    const target = path.join(base, "taken");
    await mkdir(target);
    await writeFile(path.join(target, "mine.txt"), "mine");
    await expect(scaffold("taken", { parentDir: base })).rejects.toThrow(ScaffoldTargetError);
    await expect(scaffold("taken", { parentDir: base })).rejects.toThrow(/is not empty/);
    expect(await readdir(target)).toEqual(["mine.txt"]);
  });

  it("fills an empty directory", async () => {
    await mkdir(path.join(base, "empty"));
    const made = await scaffold("empty", { parentDir: base });
    expect(made.files).toContain("mse_src/app.mjs");
  });

  it("refuses an existing file and an invalid name, leaving no staging directory", async () => {
    await writeFile(path.join(base, "afile"), "");
    await expect(scaffold("afile", { parentDir: base })).rejects.toThrow(/not a directory/);
    await expect(scaffold("../escape", { parentDir: base })).rejects.toThrow(InvalidAppNameError);
    expect((await readdir(base)).filter((n) => n.includes("scaffold"))).toEqual([]);
  });
});

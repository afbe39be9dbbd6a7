// seal: secrets sealed to the enclave's X25519 key open with that key only; refusals write nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { seal } from "./seal.js";
import { VerificationError } from "../attestation/errors.js";
import { openSealedBox } from "../crypto/sealedBox.js";
import { initPlatform, type Platform } from "../simulation/platform.js";
import { raTlsCertificate, rsa3072SignerPem } from "./testing/simulatedEvidence.js";
import { vectorEvidence } from "../attestation/testing/msehomeEvidence.js";

let work: string;
let platform: Platform;
let signerPem: string;
const secrets = JSON.stringify({ api_key: "s3cr3t", db: { password: "hunter2" } });

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "msehome-seal-"));
  platform = await initPlatform(path.join(work, "platform"), { tcb: "up-to-date" });
  signerPem = rsa3072SignerPem();
  await writeFile(path.join(work, "secrets.json"), secrets);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function certFile(name: string, pem: string): Promise<string> {
  const file = path.join(work, name);
  await writeFile(file, pem);
  return file;
}

describe("seal", () => {
  it("seals to the X25519 key in report_data[32..64]; only the enclave's key opens it", async () => {
    const cert = raTlsCertificate(platform, { signerPem });
    const result = await seal({
      secretsPath: path.join(work, "secrets.json"),
      certificatePath: await certFile("ratls.pem", cert.certificatePem),
      outputDir: path.join(work, "out"),
    });
    expect(result.output).toBe(path.join(work, "out", "secrets.json.sealed"));
    expect(result.enclavePublicKey).toBe(Buffer.from(cert.enclaveKeys.publicKey).toString("hex"));
    const sealed = new Uint8Array(await readFile(result.output));
    expect(sealed.length).toBe(secrets.length + 48);
    const opened = openSealedBox(sealed, cert.enclaveKeys.publicKey, cert.enclaveKeys.secretKey);
    expect(Buffer.from(opened).toString("utf8")).toBe(secrets);
  });

  it("refuses the all-zero key of the vector's older enclave, writing nothing", async () => {
    const out = path.join(work, "zero");
    await expect(
      seal({
        secretsPath: path.join(work, "secrets.json"),
        certificatePath: await certFile("old.pem", vectorEvidence().certificatePem),
        outputDir: out,
      }),
    ).rejects.toThrow(/put no X25519 key in its quote \(report_data\[32\.\.64\] is all zero\)/);
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });

  it("refuses a certificate its quote does not bind", async () => {
    const cert = raTlsCertificate(platform, { signerPem, bindOtherKey: true });
    const attempt = seal({
      secretsPath: path.join(work, "secrets.json"),
      certificatePath: await certFile("unbound.pem", cert.certificatePem),
      outputDir: path.join(work, "unbound"),
    });
    await expect(attempt).rejects.toBeInstanceOf(VerificationError);
    await expect(attempt).rejects.toMatchObject({ check: "ratls.binding" });
  });

  it("refuses secrets that are not a JSON document, without echoing them, and writes nothing", async () => {
    await writeFile(path.join(work, "broken.json"), secrets.slice(0, 20));
    const cert = raTlsCertificate(platform, { signerPem });
    const attempt = seal({
      certificatePath: await certFile("for-broken.pem", cert.certificatePem),
      secretsPath: path.join(work, "broken.json"),
      outputDir: path.join(work, "broken-out"),
    });
    await expect(attempt).rejects.toThrow(/^the secrets file .*broken\.json is not a JSON document$/);
    await expect(attempt).rejects.not.toThrow(/s3cr3t/);
    expect(existsSync(path.join(work, "broken-out"))).toBe(false);
  });

  it("names a missing secrets file", async () => {
    const cert = raTlsCertificate(platform, { signerPem });
    await expect(
      seal({
        secretsPath: path.join(work, "absent.json"),
        certificatePath: await certFile("ok.pem", cert.certificatePem),
        outputDir: path.join(work, "absent"),
      }),
    ).rejects.toThrow(/cannot read the secrets file .*absent\.json/);
  });
});

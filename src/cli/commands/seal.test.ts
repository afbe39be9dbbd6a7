// `msehome seal` as a user runs it.
import { beforeEach, describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../../test/support/tempDir.js";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { runCli } from "../../../test/support/cli.js";
import { openSealedBox } from "../../crypto/sealedBox.js";
import { vectorEvidence } from "../../attestation/testing/msehomeEvidence.js";
import { initPlatform } from "../../simulation/platform.js";
import { raTlsCertificate, rsa3072SignerPem } from "../../provider/testing/simulatedEvidence.js";

const dir = tempDirPerTest("seal-cli");
beforeEach(async () => {
  await writeFile(path.join(dir(), "secrets.json"), '{"token":"abc"}');
});

describe("msehome seal", () => {
  it("writes DIR/<name>.sealed that the enclave key opens", async () => {
    const platform = await initPlatform(path.join(dir(), "platform"), { tcb: "up-to-date" });
    const cert = raTlsCertificate(platform, { signerPem: rsa3072SignerPem() });
    await writeFile(path.join(dir(), "ratls.pem"), cert.certificatePem);
    const run = await runCli(
      ["seal", "--secrets", "secrets.json", "--cert", "ratls.pem", "--output", "out"],
      { cwd: dir() },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Sealed secrets\.json into out\/secrets\.json\.sealed/);
    const sealed = new Uint8Array(await readFile(path.join(dir(), "out", "secrets.json.sealed")));
    expect(
      Buffer.from(openSealedBox(sealed, cert.enclaveKeys.publicKey, cert.enclaveKeys.secretKey)).toString(),
    ).toBe('{"token":"abc"}');
  });

  it("refuses an enclave without an X25519 key in one sentence", async () => {
    await writeFile(path.join(dir(), "old.pem"), vectorEvidence().certificatePem);
    const run = await runCli(["seal", "--secrets", "secrets.json", "--cert", "old.pem", "--output", "out"], {
      cwd: dir(),
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^error: the enclave of old\.pem put no X25519 key in its quote/);
  });
});

// The enclave signer key: generated as SGX wants it (RSA-3072, e=3, owner-only), and a key that
// cannot sign an enclave refused with the reason.
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mrsignerFromPublicKey } from "../attestation/mrsigner.js";
import { generateSignerKey, readSignerKey, signerPublicKeyPem } from "./signerKey.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "msehome-signer-key-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("signer key", () => {
  it("generates an RSA-3072 key with e=3, owner-only, that reads back and yields a public key", async () => {
    const file = path.join(dir, "enclave-key.pem");
    const key = await generateSignerKey(file);
    expect(key.asymmetricKeyDetails).toMatchObject({ modulusLength: 3072, publicExponent: 3n });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await expect(readSignerKey(file)).resolves.toBeDefined();
    const publicPem = await signerPublicKeyPem(file);
    expect(publicPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(mrsignerFromPublicKey(publicPem)).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);

  it("refuses keys SGX cannot use, saying why", async () => {
    const cases: [string, string, RegExp][] = [
      [
        "e65537.pem",
        generateKeyPairSync("rsa", { modulusLength: 3072 }).privateKey.export({
          type: "pkcs8",
          format: "pem",
        }) as string,
        /its public exponent is 65537, not 3/,
      ],
      [
        "rsa2048.pem",
        generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 3 }).privateKey.export({
          type: "pkcs8",
          format: "pem",
        }) as string,
        /its modulus has 2048 bits, not 3072/,
      ],
      [
        "ec.pem",
        generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({
          type: "pkcs8",
          format: "pem",
        }) as string,
        /it is a ec key, not RSA/,
      ],
      ["text.pem", "not a key\n", /is not a PEM private key/],
    ];
    for (const [name, content, reason] of cases) {
      const file = path.join(dir, name);
      await writeFile(file, content);
      await expect(readSignerKey(file)).rejects.toThrow(reason);
    }
    await expect(readSignerKey(path.join(dir, "missing.pem"))).rejects.toThrow(/cannot read the signer key/);
  }, 60_000);
});

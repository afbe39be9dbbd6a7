import { describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { mrsignerFromPublicKey } from "./mrsigner.js";
import { vectorText } from "./testing/vectors.js";

describe("mrsignerFromPublicKey", () => {
  it("gives the vector enclave's MRSIGNER from its RSA-3072 signer key (e=3)", () => {
    const { signer_pk } = JSON.parse(vectorText("mse-home-evidence.json")) as { signer_pk: string };
    expect(mrsignerFromPublicKey(signer_pk)).toBe(
      "c1c161d0dd996e8a9847de67ea2c00226761f7715a2c422d3012ac10795a1ef5",
    );
  });

  it("refuses keys that cannot sign an enclave", () => {
    const rsa2048 = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({
      type: "spki",
      format: "pem",
    });
    expect(() => mrsignerFromPublicKey(rsa2048 as string)).toThrow(/must be RSA-3072, it has 2048 bits/);
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({
      type: "spki",
      format: "pem",
    });
    expect(() => mrsignerFromPublicKey(ec as string)).toThrow(/not an RSA key/);
    expect(() => mrsignerFromPublicKey("not a key")).toThrow(/not a PEM public key/);
  });
});

// For tests: evidence.json of an enclave on the simulated SGX platform — an RA-TLS certificate
// whose quote binds its key and an X25519 key, the platform's collateral from its PCCS, a signer key.
import { createHash, generateKeyPairSync } from "node:crypto";
import { isIP } from "node:net";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { PccsClient } from "../../attestation/pccs.js";
import { mrsignerFromPublicKey } from "../../attestation/mrsigner.js";
import { toPem } from "../../attestation/pem.js";
import { OID_RATLS_QUOTE } from "../../attestation/ratls.js";
import { makeCertificate, testKey } from "../../attestation/testing/pki.js";
import { octets, oid, seq, tlv } from "../../attestation/testing/derWriter.js";
import { generateSealedBoxKeyPair, type SealedBoxKeyPair } from "../../crypto/sealedBox.js";
import { renderEvidence, type Evidence } from "../../model/evidence.js";
import type { Platform } from "../../simulation/platform.js";
import { generateQuote } from "../../simulation/quotingEnclave.js";
import { SIMULATION_FMSPC } from "../../simulation/tcbLevels.js";

export function rsa3072SignerPem(): string {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 3072, publicExponent: 3 });
  return publicKey.export({ type: "spki", format: "pem" }) as string;
}

export interface RaTlsCertificate {
  certificatePem: string;
  /** The certificate's private key (PKCS#8 PEM), to serve it over TLS. */
  privateKeyPem: string;
  enclaveKeys: SealedBoxKeyPair;
  mrEnclave: string;
}

/** The subjectAltName extension: DNS names, and IPv4 addresses as 4 bytes. */
function subjectAltNames(names: string[]): Uint8Array {
  const general = names.map((name) =>
    isIP(name) === 4
      ? tlv(0x87, Uint8Array.from(name.split(".").map(Number)))
      : tlv(0x82, new TextEncoder().encode(name)),
  );
  return seq(oid("2.5.29.17"), octets(seq(...general)));
}

/** A self-signed RA-TLS certificate carrying a simulated quote bound to its key. */
export function raTlsCertificate(
  platform: Platform,
  options: {
    signerPem: string;
    mrEnclave?: Uint8Array;
    zeroEnclaveKey?: boolean;
    bindOtherKey?: boolean;
    /** The certificate's SANs (default: localhost, as spawn --host localhost gives). */
    names?: string[];
  },
): RaTlsCertificate {
  const key = testKey();
  const enclaveKeys = generateSealedBoxKeyPair();
  const reportData = new Uint8Array(64);
  const bound = options.bindOtherKey ? testKey() : key;
  reportData.set(createHash("sha256").update(bound.spki.subarray(26)).digest(), 0);
  if (!options.zeroEnclaveKey) reportData.set(enclaveKeys.publicKey, 32);
  const mrEnclave = options.mrEnclave ?? new Uint8Array(32).fill(0x42);
  const quote = generateQuote(platform, {
    mrEnclave,
    mrSigner: Buffer.from(mrsignerFromPublicKey(options.signerPem), "hex"),
    reportData,
  });
  const now = Date.now();
  const der = makeCertificate({
    subject: "localhost",
    issuer: "localhost",
    issuerKey: key,
    key,
    serial: 1,
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 30 * 86_400_000),
    ca: false,
    extra: [subjectAltNames(options.names ?? ["localhost"]), seq(oid(OID_RATLS_QUOTE), octets(quote))],
  });
  return {
    certificatePem: toPem(der, "CERTIFICATE"),
    privateKeyPem: key.privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    enclaveKeys,
    mrEnclave: Buffer.from(mrEnclave).toString("hex"),
  };
}

export async function writeSimulatedEvidence(
  file: string,
  cert: RaTlsCertificate,
  signerPem: string,
  pccsUrl: string,
  /** The further names the spawn arguments record (default none). */
  sans: string[] = [],
): Promise<Evidence> {
  const collateral = await new PccsClient({ baseUrl: pccsUrl, insecureTls: true }).fetchCollateral({
    fmspc: SIMULATION_FMSPC,
    ca: "platform",
  });
  const evidence: Evidence = {
    mode: "simulation",
    source: "msehome",
    spawnArgs: {
      host: "localhost",
      sans,
      expirationDate: Math.floor(Date.now() / 1000) + 30 * 86_400,
      size: 4096,
      appId: "0f3d9c1e-4a4b-4d55-9a43-0d8a4b2f6a10",
      application: "app.mjs:app",
    },
    certificatePem: cert.certificatePem,
    signerPublicKeyPem: signerPem,
    pckCa: "platform",
    collateral,
  };
  await writeFile(file, renderEvidence(evidence));
  return evidence;
}

export const evidencePathIn = (dir: string, name = "evidence.json"): string => path.join(dir, name);

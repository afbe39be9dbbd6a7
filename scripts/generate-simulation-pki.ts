// Generates the published simulation PKI once and writes it to src/simulation/pkiMaterial.ts (run: npx tsx scripts/generate-simulation-pki.ts).
// Its private keys are public on purpose: the simulation proves the plumbing, never the hardware.
import "reflect-metadata";
import { writeFileSync, renameSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import {
  ECDSA_P256,
  pckCaCertificate,
  rootCaCertificate,
  tcbSigningCertificate,
} from "../src/simulation/certificateProfiles.js";

const target = fileURLToPath(new URL("../src/simulation/pkiMaterial.ts", import.meta.url));

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ECDSA_P256, true, ["sign", "verify"]);
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

const now = new Date(Math.floor(Date.now() / 1000) * 1000);
// Like Intel's root, every CA and the TCB signer stay valid until the end of 2049.
const validity = { notBefore: now, notAfter: new Date("2049-12-31T23:59:59Z") };

const rootKeys = await keyPair();
const root = await rootCaCertificate(rootKeys, validity);
const rootIssuer = { certificate: root, privateKey: rootKeys.privateKey };
const platformKeys = await keyPair();
const platformCa = await pckCaCertificate("platform", platformKeys.publicKey, rootIssuer, validity);
const processorKeys = await keyPair();
const processorCa = await pckCaCertificate("processor", processorKeys.publicKey, rootIssuer, validity);
const tcbKeys = await keyPair();
const tcbSigning = await tcbSigningCertificate(tcbKeys.publicKey, rootIssuer, validity);

const entries: Array<[string, string]> = [
  ["SIMULATION_ROOT_CA_PEM", root.toString("pem")],
  ["SIMULATION_ROOT_CA_KEY_PEM", await privateKeyPem(rootKeys.privateKey)],
  ["SIMULATION_PCK_PLATFORM_CA_PEM", platformCa.toString("pem")],
  ["SIMULATION_PCK_PLATFORM_CA_KEY_PEM", await privateKeyPem(platformKeys.privateKey)],
  ["SIMULATION_PCK_PROCESSOR_CA_PEM", processorCa.toString("pem")],
  ["SIMULATION_PCK_PROCESSOR_CA_KEY_PEM", await privateKeyPem(processorKeys.privateKey)],
  ["SIMULATION_TCB_SIGNING_PEM", tcbSigning.toString("pem")],
  ["SIMULATION_TCB_SIGNING_KEY_PEM", await privateKeyPem(tcbKeys.privateKey)],
];

const body = [
  "// The published simulation PKI, generated once by scripts/generate-simulation-pki.ts: do not edit by hand.",
  "// Its private keys are public on purpose: anyone can forge a simulated quote, so it proves the plumbing, never the hardware.",
  "",
  ...entries.map(([name, pem]) => `export const ${name} = \`${pem.trim()}\n\`;\n`),
].join("\n");

writeFileSync(`${target}.tmp`, body);
renameSync(`${target}.tmp`, target);
process.stdout.write(`wrote ${target}\n`);

// The seed corpus: the real vectors of test/vectors (an SGX machine's evidence and quote, a real PCK
// certificate, the Fernet specification's tokens) and what the simulated SGX platform emits (its
// quote, PCK chain, CRLs, TCB info and QE identity as its PCCS serves them, an RA-TLS certificate,
// evidence.json), plus well-formed samples of msehome's own formats built by msehome's own writers.
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import tar from "tar-stream";
import type { Collateral } from "../src/attestation/collateral.js";
import { crlDerFromText, certificatesFromPem } from "../src/attestation/pem.js";
import { certificationChainDers, parseQuote } from "../src/attestation/quote.js";
import { extractQuoteFromCertificate, certificateDer } from "../src/attestation/ratls.js";
import { certificateFields } from "../src/attestation/certificateFields.js";
import { OID_SGX_EXTENSION } from "../src/attestation/pck.js";
import { testPlatform } from "../src/attestation/testing/pki.js";
import { vectorBytes, vectorText } from "../src/attestation/testing/vectors.js";
import { vectorEvidence, VECTOR_AT } from "../src/attestation/testing/msehomeEvidence.js";
import { aesGcmEncrypt } from "../src/crypto/aesGcm.js";
import { fernetEncrypt } from "../src/crypto/fernet.js";
import { generateSealedBoxKeyPair, sealBox, type SealedBoxKeyPair } from "../src/crypto/sealedBox.js";
import { renderEvidence } from "../src/model/evidence.js";
import { formatLaunchArguments } from "../src/model/launchArguments.js";
import { serializeConfigurationPayload } from "../src/model/configurationPayload.js";
import { renderMseToml } from "../src/model/mseToml.js";
import {
  renderPackageManifest,
  PACKAGE_FORMAT,
  PACKAGE_FORMAT_VERSION,
} from "../src/package/packageManifest.js";
import { rsa3072SignerPem, raTlsCertificate } from "../src/provider/testing/simulatedEvidence.js";
import { collateralFor, tcbInfoBody, qeIdentityBody } from "../src/simulation/collateral.js";
import { initPlatform } from "../src/simulation/platform.js";
import { SIMULATION_ROOT_CA_DER } from "../src/simulation/pki.js";
import { SAMPLE_LAUNCH } from "../test/support/launchArguments.js";

/** A quote with the collateral it verifies against, the time to verify at and the root to trust. */
export interface QuoteWorld {
  quote: Uint8Array;
  collateral: Collateral;
  at: Date;
  simulation: boolean;
}

export interface Seeds {
  quotes: Uint8Array[];
  /** DER certificates: PCK leaves, PCK CAs, roots, TCB signers, RA-TLS certificates. */
  certificates: Uint8Array[];
  /** Values of the SGX extension of PCK certificates (real and simulated). */
  sgxExtensions: Uint8Array[];
  raTlsPems: string[];
  /** CRLs as PCCS serves them (PEM or hex) and as DER. */
  crlTexts: string[];
  crlDers: Uint8Array[];
  tcbInfoBodies: string[];
  qeIdentityBodies: string[];
  worlds: QuoteWorld[];
  /** evidence.json texts: ours (simulated) and the original msehome's (real hardware). */
  evidenceTexts: string[];
  mseTomls: string[];
  packageManifests: string[];
  packageTars: Uint8Array[];
  /** The members of the package seed, manifest.json included. */
  packageMembers: Record<string, Uint8Array>;
  appTars: Uint8Array[];
  enclaveKeys: SealedBoxKeyPair;
  enclaveId: string;
  configurationPayloads: string[];
  launchArgvs: string[][];
  fernet: Array<{ key: string; token: string }>;
  aesGcm: Array<{ key: Uint8Array; data: Uint8Array }>;
  qcnlConfigs: string[];
}

interface TarMember {
  name: string;
  type?: tar.Header["type"];
  linkname?: string;
  mode?: number;
  content?: Uint8Array | string;
}

/** A tar of these members, written with tar-stream (valid headers; long names get PAX headers). */
export async function tarOf(members: readonly TarMember[]): Promise<Uint8Array> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const { content, ...header } of members) {
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (content !== undefined) pack.entry({ mode: 0o644, ...header }, Buffer.from(content), done);
      else pack.entry({ mode: 0o755, ...header }, done);
    });
  }
  pack.finalize();
  await collected;
  return new Uint8Array(Buffer.concat(chunks));
}

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

async function packageSeed(
  members: Record<"app.tar" | "image.tar" | "tests.tar" | "mse.toml", Uint8Array>,
): Promise<{ tar: Uint8Array; manifest: string }> {
  const digest = (bytes: Uint8Array) => ({ sha256: sha256(bytes), sizeBytes: bytes.length });
  const manifest = renderPackageManifest({
    format: PACKAGE_FORMAT,
    version: PACKAGE_FORMAT_VERSION,
    name: "fuzz",
    encrypted: false,
    imageId: `sha256:${sha256(members["image.tar"])}`,
    members: {
      "app.tar": digest(members["app.tar"]),
      "image.tar": digest(members["image.tar"]),
      "tests.tar": digest(members["tests.tar"]),
      "mse.toml": digest(members["mse.toml"]),
    },
  });
  const tarBytes = await tarOf([
    { name: "app.tar", content: members["app.tar"] },
    { name: "image.tar", content: members["image.tar"] },
    { name: "manifest.json", content: manifest },
    { name: "mse.toml", content: members["mse.toml"] },
    { name: "tests.tar", content: members["tests.tar"] },
  ]);
  return { tar: tarBytes, manifest };
}

const QCNL_JSON = `{
  // PCCS server address
  "pccs_url": "https://localhost:8081/sgx/certification/v4/",
  // To accept insecure HTTPS certificate, set this option to false
  "use_secure_cert": false,
  /* collateral service */
  "collateral_service": "https://api.trustedservices.intel.com/sgx/certification/v4/",
  "retry_times": 6,
  "retry_delay": 10,
  "local_pck_url": "http://localhost:8081/sgx/certification/v4/",
  "pck_cache_expire_hours": 168
}
`;
const QCNL_LEGACY =
  "# PCCS server address\nPCCS_URL=https://localhost:8081/sgx/certification/v3/\n# To accept insecure HTTPS cert, set this option to FALSE\nUSE_SECURE_CERT=FALSE\n";

let cached: Promise<Seeds> | undefined;

/** Builds the corpus once per process (the simulated platform lives in a temporary directory meanwhile). */
export function loadSeeds(): Promise<Seeds> {
  cached ??= buildSeeds();
  return cached;
}

async function buildSeeds(): Promise<Seeds> {
  const platformDir = await mkdtemp(path.join(tmpdir(), "msehome-fuzz-platform-"));
  try {
    return await buildSeedsWith(path.join(platformDir, "platform"));
  } finally {
    await rm(platformDir, { recursive: true, force: true });
  }
}

async function buildSeedsWith(platformDir: string): Promise<Seeds> {
  // Real hardware.
  const vector = vectorEvidence();
  const vectorQuote = vectorBytes("intel-sgx-ra-quote.dat");
  const vectorPck = certificatesFromPem(
    vectorText("intel-sgx-ra-pck-cert.pem"),
    "vector PCK certificate",
  )[0]!;
  const pythonEvidence = vectorText("mse-home-evidence.json");

  // The simulated platform, as spawn and verify meet it.
  const now = new Date();
  const platform = await initPlatform(platformDir, { tcb: "out-of-date" });
  const signerPem = rsa3072SignerPem();
  const simulatedCert = raTlsCertificate(platform, { signerPem });
  const simulatedQuote = extractQuoteFromCertificate(simulatedCert.certificatePem);
  const simulatedCollateral = collateralFor(platform, now);
  const oursEvidence = renderEvidence({
    mode: "simulation",
    source: "msehome",
    spawnArgs: {
      host: "localhost",
      sans: [],
      expirationDate: Math.floor(now.getTime() / 1000) + 86_400,
      size: 4096,
      appId: SAMPLE_LAUNCH.appId,
      application: "app.mjs:app",
    },
    certificatePem: simulatedCert.certificatePem,
    signerPublicKeyPem: signerPem,
    pckCa: "platform",
    collateral: simulatedCollateral,
  });
  // A test DCAP world with a TCB info v2 (PCCS API v3), which the simulated platform serves only over v3.
  const v2World = testPlatform({ tcbInfoVersion: 2 });

  const quotes = [vectorQuote, vector.quote, simulatedQuote, v2World.quote];
  const chains = quotes.flatMap((q) => certificationChainDers(parseQuote(q).signatureData.certificationData));
  const raTlsPems = [vector.certificatePem, simulatedCert.certificatePem];
  const certificates = [
    vectorPck,
    ...chains,
    ...raTlsPems.map((pem) => certificateDer(pem)),
    ...certificatesFromPem(vector.collateral.tcb_info_issuer_chain, "TCB chain"),
    SIMULATION_ROOT_CA_DER,
  ];
  const sgxExtensions = certificates
    .map((der) => certificateFields(der).extensions.get(OID_SGX_EXTENSION)?.value)
    .filter((v): v is Uint8Array => v !== undefined)
    .map((v) => v.slice());

  const collaterals = [vector.collateral, simulatedCollateral, v2World.collateral];
  const crlTexts = collaterals.flatMap((c) => [c.root_ca_crl, c.pck_crl]);
  const crlDers = crlTexts.map((text) => crlDerFromText(text, "CRL"));
  crlTexts.push(Buffer.from(crlDers[2]!).toString("hex"), Buffer.from(crlDers[0]!).toString("hex"));

  // msehome's own formats, from msehome's own writers.
  const mseToml = renderMseToml({
    name: "fuzz-app",
    application: "app.mjs:app",
    healthcheck_endpoint: "/health",
    tests_cmd: "node --test",
    tests_requirements: ["undici@6", "@scope/pkg"],
    allow_subprocesses: true,
  });
  const appTar = await tarOf([
    { name: "app.mjs", content: "export const app = (req, res) => res.end('ok');\n" },
    { name: "lib/", type: "directory" },
    { name: "lib/util.js", content: "module.exports = 1;\n", mode: 0o755 },
    { name: "lib/current", type: "symlink", linkname: "util.js" },
    { name: "lib/again.js", type: "link", linkname: "lib/util.js" },
    { name: `deep/${"long-name-".repeat(12)}.txt`, content: "pax" },
    { name: "data.bin.enc", content: new Uint8Array(80).fill(7) },
  ]);
  const testsTar = await tarOf([{ name: "app.test.mjs", content: "import test from 'node:test';\n" }]);
  const imageTar = await tarOf([
    {
      name: "manifest.json",
      content: '[{"Config":"c.json","RepoTags":["msehome/fuzz:1"],"Layers":["l/layer.tar"]}]',
    },
    { name: "c.json", content: "{}" },
    { name: "l/layer.tar", content: new Uint8Array(1024) },
  ]);
  const pkg = await packageSeed({
    "app.tar": appTar,
    "image.tar": imageTar,
    "tests.tar": testsTar,
    "mse.toml": new Uint8Array(Buffer.from(mseToml)),
  });

  const enclaveKeys = generateSealedBoxKeyPair();
  const enclaveId = SAMPLE_LAUNCH.appId;
  const sealed = sealBox(
    Buffer.from(`{"api_key":"SECRET-sealed","code_secret_key":"${"ab".repeat(32)}"}`),
    enclaveKeys.publicKey,
  );
  const configurationPayloads = [
    serializeConfigurationPayload({
      uuid: enclaveId,
      appSecrets: { token: "SECRET-plain", nested: [1, { a: null }] },
    }),
    serializeConfigurationPayload({
      uuid: enclaveId,
      appSealedSecrets: sealed,
      codeSecretKey: new Uint8Array(32).fill(0xab),
    }),
    serializeConfigurationPayload({ uuid: enclaveId }),
  ];

  const fernetVectors = [
    ...(JSON.parse(vectorText("fernet/verify.json")) as Array<{ token: string; secret: string }>),
    ...(JSON.parse(vectorText("fernet/invalid.json")) as Array<{ token: string; secret: string }>),
  ];
  const fernetKey = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
  const fernet = [
    ...fernetVectors.map((v) => ({ key: v.secret, token: v.token })),
    { key: fernetKey, token: fernetEncrypt(fernetKey, Buffer.from("a result of the enclave ".repeat(20))) },
  ];
  const aesGcm = [16, 24, 32].map((length, i) => {
    const key = new Uint8Array(length).fill(0x11 * (i + 1));
    return { key, data: aesGcmEncrypt(key, Buffer.from("the enclave's result ".repeat(i * 40 + 1))) };
  });

  return {
    quotes,
    certificates,
    sgxExtensions,
    raTlsPems,
    crlTexts,
    crlDers,
    tcbInfoBodies: [...collaterals.map((c) => c.tcb_info), tcbInfoBody(now, 2)],
    qeIdentityBodies: [...collaterals.map((c) => c.qe_identity), qeIdentityBody(now)],
    worlds: [
      { quote: vector.quote, collateral: vector.collateral, at: VECTOR_AT, simulation: false },
      { quote: simulatedQuote, collateral: simulatedCollateral, at: now, simulation: true },
    ],
    evidenceTexts: [oursEvidence, pythonEvidence],
    mseTomls: [mseToml, vectorTemplateToml()],
    packageManifests: [pkg.manifest],
    packageTars: [pkg.tar],
    packageMembers: {
      "app.tar": appTar,
      "image.tar": imageTar,
      "tests.tar": testsTar,
      "mse.toml": new Uint8Array(Buffer.from(mseToml)),
      "manifest.json": new Uint8Array(Buffer.from(pkg.manifest)),
    },
    appTars: [appTar, testsTar, imageTar],
    enclaveKeys,
    enclaveId,
    configurationPayloads,
    launchArgvs: [
      formatLaunchArguments(SAMPLE_LAUNCH),
      formatLaunchArguments({ ...SAMPLE_LAUNCH, simulation: false, dryRun: true, san: "10.0.0.1" }),
    ],
    fernet,
    aesGcm,
    qcnlConfigs: [QCNL_JSON, QCNL_LEGACY],
  };
}

/** The scaffold's mse.toml as a user edits it (comments, a name filled in). */
function vectorTemplateToml(): string {
  return `# How myapp runs
name = "myapp"
application = "server/index.js:handler"
healthcheck_endpoint = "/health"
tests_cmd = "node --test"
tests_requirements = []
`;
}

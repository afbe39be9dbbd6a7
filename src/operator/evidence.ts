// `msehome evidence NAME --output DIR`: what the code provider needs to verify the enclave, read
// from the running app and its container — the RA-TLS certificate over TLS, the PCCS collateral
// for the PCK certificate in its quote, the signer public key and the spawn arguments — written
// as evidence.json and ratls.pem. spawn ends with the same collection.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { collateralRequestForQuote, type PccsClient } from "../attestation/pccs.js";
import { extractQuoteFromCertificate } from "../attestation/ratls.js";
import { writeFileAtomically } from "../crypto/atomicOutput.js";
import { type AppContainer, readAppSignerKey } from "../docker/appContainer.js";
import { getAppContainer } from "../docker/appContainerLookup.js";
import { connectDocker, type DockerEngine } from "../docker/engine.js";
import { type Evidence, renderEvidence } from "../model/evidence.js";
import { spawnArgsOf } from "../model/launchArguments.js";
import { appEndpoint, fetchAppPeerCertificate } from "./appEndpoint.js";
import { probeApp } from "./appState.js";
import { AppStateError } from "./errors.js";
import { type PccsSource, pccsClientFor } from "./pccsSource.js";
import { signerPublicKeyOf } from "./signerKey.js";

export const EVIDENCE_FILE = "evidence.json";
export const CERTIFICATE_FILE = "ratls.pem";

export interface EvidenceFiles {
  evidence: string;
  certificate: string;
}

export interface GatheredEvidence {
  evidence: Evidence;
  /** The FMSPC (hex) of the platform's PCK certificate, which the collateral was fetched for. */
  fmspc: string;
}

/** Collects the evidence of a running app (configuration server or app: both serve the RA-TLS certificate). */
export async function gatherEvidence(
  engine: DockerEngine,
  app: AppContainer,
  pccs: PccsClient,
): Promise<GatheredEvidence> {
  const probe = await probeApp(app, { reach: engine.reach });
  if (probe.state !== "waiting for secrets" && probe.state !== "running") {
    throw new AppStateError(
      app.name,
      probe.state,
      `the app "${app.name}" is ${probe.state} (${probe.detail}); its evidence can only be read while it serves`,
    );
  }
  const certificatePem = await fetchAppPeerCertificate(appEndpoint(app, engine.reach));
  let request;
  try {
    request = collateralRequestForQuote(extractQuoteFromCertificate(certificatePem));
  } catch (cause) {
    throw new Error(`the certificate of the app "${app.name}" carries no readable SGX quote`, { cause });
  }
  const signerPublicKey = signerPublicKeyOf(
    await readAppSignerKey(engine, app),
    `the signer key of "${app.name}"`,
  );
  const collateral = await pccs.fetchCollateral(request);
  const evidence: Evidence = {
    mode: app.mode,
    source: "msehome",
    spawnArgs: spawnArgsOf(app.launch),
    certificatePem,
    signerPublicKeyPem: signerPublicKey,
    pckCa: request.ca,
    collateral,
  };
  return { evidence, fmspc: request.fmspc };
}

/** Writes evidence.json and ratls.pem into `outputDir` (each whole or not at all). */
export async function writeEvidence(evidence: Evidence, outputDir: string): Promise<EvidenceFiles> {
  await mkdir(outputDir, { recursive: true });
  const files = {
    evidence: path.join(outputDir, EVIDENCE_FILE),
    certificate: path.join(outputDir, CERTIFICATE_FILE),
  };
  // Nothing here is secret: the provider reads these files, and 0644 lets them be shared as is.
  await writeFileAtomically(files.certificate, new TextEncoder().encode(evidence.certificatePem), 0o644);
  await writeFileAtomically(files.evidence, new TextEncoder().encode(renderEvidence(evidence)), 0o644);
  return files;
}

export interface EvidenceRequest extends PccsSource {
  name: string;
  outputDir: string;
  engine?: DockerEngine;
}

export interface EvidenceResult {
  name: string;
  mode: Evidence["mode"];
  files: EvidenceFiles;
  /** The FMSPC and PCK CA the collateral was fetched for. */
  fmspc: string;
  pckCa: Evidence["pckCa"];
  pccs: string;
}

export async function collectEvidence(request: EvidenceRequest): Promise<EvidenceResult> {
  const pccs = await pccsClientFor(request);
  const engine = request.engine ?? (await connectDocker());
  const app = await getAppContainer(engine, request.name);
  const { evidence, fmspc } = await gatherEvidence(engine, app, pccs);
  const files = await writeEvidence(evidence, path.resolve(request.outputDir));
  return {
    name: app.name,
    mode: evidence.mode,
    files,
    fmspc,
    pckCa: evidence.pckCa,
    pccs: pccs.baseUrl,
  };
}

// `msehome verify --url https://HOST:PORT`: the code provider's decision to trust a running app,
// as Cosmian's `mse verify <domain>` and Edgeless' `era` make it. The app's certificate is read
// over TLS (it is self-signed: only its quote can make it trusted), fresh collateral for the quote
// comes from the PCCS, and the quote, the enclave's identity, the RA-TLS binding and the policy
// are checked as `verify` checks evidence. With the operator's evidence, the live certificate must
// be the evidence's (a swapped enclave is named), MRSIGNER is the evidence's signer key's, and
// --package recomputes MRENCLAVE under the evidence's spawn arguments. ratls.pem on success only.
import { bytesEqual } from "../attestation/bytes.js";
import { parseCertificate } from "../attestation/certificate.js";
import { mrsignerFromPublicKey } from "../attestation/mrsigner.js";
import type { PolicyReason } from "../attestation/policy.js";
import { certificationChainDers, parseQuote } from "../attestation/quote.js";
import {
  certificateDer,
  certificateNames,
  extractQuoteFromCertificate,
  fetchPeerCertificate,
} from "../attestation/ratls.js";
import type { VerificationCheck, VerificationReport } from "../attestation/verify.js";
import type { Evidence } from "../model/evidence.js";
import type { PccsSource } from "../model/pccsSource.js";
import { SIMULATION_ROOT_CA_SHA256 } from "../simulation/pki.js";
import { verifyEnclave } from "./enclaveVerification.js";
import {
  applicationCheck,
  certificateNamesCheck,
  expectedMrEnclave,
  readEvidenceFile,
  type ExpectedMeasurement,
} from "./expectedEnclave.js";
import type { PackageMeasurement } from "./packageMeasurement.js";
import { fetchQuoteCollateral } from "./quoteCollateral.js";
import { simulationHint, writeRatlsCertificate } from "./verificationResult.js";
import { resolvePolicy, type PolicyRequest } from "./verificationPolicy.js";

export interface AppAddress {
  host: string;
  port: number;
  /** https://HOST:PORT, as reports name the app. */
  url: string;
}

/** The app's address from `https://HOST[:PORT]` (port 443 when absent); nothing else is accepted. */
export function parseAppUrl(text: string): AppAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`"${text}" is not a URL; give the app's address as https://HOST:PORT`);
  }
  if (url.protocol !== "https:") {
    throw new Error(`"${text}" must start with https:// (the app serves RA-TLS)`);
  }
  if (url.username || url.password || url.pathname !== "/" || url.search || url.hash) {
    throw new Error(`"${text}" must be the app's address only: https://HOST:PORT`);
  }
  const port = url.port === "" ? 443 : Number(url.port);
  return { host: url.hostname.replace(/^\[(.*)\]$/, "$1"), port, url: `https://${url.host}` };
}

export interface VerifyLiveRequest extends ExpectedMeasurement, PolicyRequest, PccsSource {
  url: string;
  outputDir: string;
  /** The operator's evidence of this app: its certificate must be the live one. */
  evidencePath?: string | undefined;
  at?: Date | undefined;
  simulation?: boolean | undefined;
  /** How long the TLS handshake may take (default 10 s). */
  tlsTimeoutMs?: number;
}

export interface VerifyLiveResult {
  accepted: boolean;
  url: string;
  /** SHA-256 of the DER of the certificate the app presented. */
  certificateSha256: string;
  /** The names (SANs) that certificate presents. */
  certificateNames: string[];
  /** The PCCS the collateral came from. */
  collateralSource: string;
  /** The evidence the live certificate was compared with, with --evidence. */
  evidence: string | null;
  mode: VerificationReport["mode"];
  expectedMrEnclave: string;
  /** MRSIGNER of the evidence's signer key, with --evidence. */
  expectedMrSigner: string | null;
  reasons: PolicyReason[];
  report: VerificationReport;
  package: (PackageMeasurement & { path: string }) | null;
  /** Written only when accepted. */
  ratlsCertificate: string | null;
  warning?: string;
  hint?: string;
}

/** The app still presents the certificate the operator's evidence recorded. */
function evidenceCertificateCheck(livePem: string, evidence: Evidence, app: AppAddress): VerificationCheck {
  const live = parseCertificate(certificateDer(livePem));
  const recorded = parseCertificate(certificateDer(evidence.certificatePem));
  return bytesEqual(live.der, recorded.der)
    ? {
        name: "ratls.certificate.evidence",
        ok: true,
        reason: `${app.url} presents the evidence's certificate (SHA-256 ${live.fingerprint})`,
      }
    : {
        name: "ratls.certificate.evidence",
        ok: false,
        reason: `${app.url} presents another certificate (SHA-256 ${live.fingerprint}) than the evidence's (SHA-256 ${recorded.fingerprint}): the enclave was swapped or started anew since the evidence was collected`,
      };
}

function quoteOf(certificatePem: string, app: AppAddress): Uint8Array {
  try {
    return extractQuoteFromCertificate(certificatePem);
  } catch (cause) {
    throw new Error(`${app.url} does not present an RA-TLS certificate`, { cause });
  }
}

function rootedInSimulation(quote: Uint8Array): boolean {
  const chain = certificationChainDers(parseQuote(quote).signatureData.certificationData);
  const root = chain[chain.length - 1];
  return root !== undefined && parseCertificate(root).fingerprint === SIMULATION_ROOT_CA_SHA256;
}

export async function verifyLive(request: VerifyLiveRequest): Promise<VerifyLiveResult> {
  const app = parseAppUrl(request.url);
  if (request.packagePath !== undefined && request.evidencePath === undefined) {
    throw new Error(
      "--package needs --evidence: the package is measured under the evidence's spawn arguments",
    );
  }
  if (request.mrEnclave === undefined && request.packagePath === undefined) {
    throw new Error(
      "verify --url needs the expected MRENCLAVE: --mrenclave <hex> or --evidence <file> --package <file>",
    );
  }
  const policy = await resolvePolicy(request);
  const evidence = request.evidencePath ? await readEvidenceFile(request.evidencePath) : undefined;

  request.onPhase?.(`Reading the certificate of ${app.url}`);
  const certificatePem = await fetchPeerCertificate(app.host, app.port, {
    ...(request.tlsTimeoutMs ? { timeoutMs: request.tlsTimeoutMs } : {}),
  });
  const quote = quoteOf(certificatePem, app);
  request.onPhase?.("Fetching fresh collateral from the PCCS");
  const { collateral, source } = await fetchQuoteCollateral(
    request,
    quote,
    "verify --url needs fresh collateral: give --pccs <url>",
  );
  const { mrEnclave, measured } = await expectedMrEnclave(request, evidence);
  const mrSigner = evidence ? mrsignerFromPublicKey(evidence.signerPublicKeyPem) : undefined;
  const { report, verdict, warning } = verifyEnclave({
    quote,
    collateral,
    certificatePem,
    certificateChecks: evidence
      ? [
          evidenceCertificateCheck(certificatePem, evidence, app),
          certificateNamesCheck(certificatePem, evidence),
        ]
      : [],
    expected: { mrEnclave, mrSigner },
    moreChecks: measured && evidence ? [applicationCheck(evidence, measured)] : [],
    at: request.at ?? new Date(),
    policy,
    simulation: request.simulation === true,
  });
  const ratlsCertificate = verdict.accepted
    ? await writeRatlsCertificate(request.outputDir, certificatePem)
    : null;
  return {
    accepted: verdict.accepted,
    url: app.url,
    certificateSha256: parseCertificate(certificateDer(certificatePem)).fingerprint,
    certificateNames: certificateNames(certificatePem),
    collateralSource: source,
    evidence: request.evidencePath ?? null,
    mode: report.mode,
    expectedMrEnclave: mrEnclave,
    expectedMrSigner: mrSigner ?? null,
    reasons: verdict.reasons,
    report,
    package: measured && request.packagePath ? { path: request.packagePath, ...measured } : null,
    ratlsCertificate,
    ...(warning ? { warning } : {}),
    ...(!verdict.accepted && request.simulation !== true && rootedInSimulation(quote)
      ? { hint: simulationHint(`the quote of ${app.url}`) }
      : {}),
  };
}

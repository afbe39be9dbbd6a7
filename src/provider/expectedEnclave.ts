// The enclave the code provider expects, from the operator's evidence and the provider's own
// package: MRENCLAVE given, or recomputed from the package under the evidence's spawn arguments
// (packageMeasurement); MRSIGNER of the evidence's signer key; the application mse.toml names; the
// names the certificate presents.
import { isIP } from "node:net";
import { canonicalIp, certificateNames } from "../attestation/ratls.js";
import type { VerificationCheck } from "../attestation/verificationReport.js";
import type { DockerEngine } from "../docker/engine.js";
import { parseEvidence, type Evidence } from "../model/evidence.js";
import { readInputText } from "../model/inputFile.js";
import { measurePackage, type PackageMeasurement } from "./packageMeasurement.js";

export async function readEvidenceFile(file: string): Promise<Evidence> {
  return parseEvidence(await readInputText(file, "the evidence file"), file);
}

export interface ExpectedMeasurement {
  /** The expected MRENCLAVE (64 hex digits). */
  mrEnclave?: string | undefined;
  /** A package to recompute MRENCLAVE from: its image runs once with --dry-run (needs Docker). */
  packagePath?: string | undefined;
  /** The engine `packagePath` is measured with (default: the one DOCKER_HOST names). */
  engine?: DockerEngine | undefined;
  /** What happens now (the package measurement takes a while). */
  onPhase?(message: string): void;
  /** Bytes of the package's image.tar loaded or hashed so far. */
  onBytes?(total: number): void;
}

/** The MRENCLAVE to expect: given, or recomputed from the package under the evidence's spawn arguments. */
export async function expectedMrEnclave(
  request: ExpectedMeasurement,
  evidence: Evidence | undefined,
): Promise<{ mrEnclave: string; measured: PackageMeasurement | null }> {
  if (request.mrEnclave !== undefined) return { mrEnclave: request.mrEnclave.toLowerCase(), measured: null };
  if (request.packagePath !== undefined && evidence !== undefined) {
    const measured = await measurePackage(request.packagePath, evidence.spawnArgs, evidence.mode, {
      ...(request.engine ? { engine: request.engine } : {}),
      ...(request.onPhase ? { onPhase: request.onPhase } : {}),
      ...(request.onBytes ? { onBytes: request.onBytes } : {}),
    });
    return { mrEnclave: measured.mrEnclave, measured };
  }
  throw new Error(
    "verify needs the expected MRENCLAVE: --mrenclave <hex>, or --package <file> with the evidence it was spawned with",
  );
}

/** The enclave serves the module and export the package's mse.toml names, not another one of its code. */
export function applicationCheck(evidence: Evidence, measured: PackageMeasurement): VerificationCheck {
  const served = evidence.spawnArgs.application;
  return served === measured.application
    ? { name: "enclave.application", ok: true, reason: `the enclave serves ${served}, as mse.toml says` }
    : {
        name: "enclave.application",
        ok: false,
        reason: `the enclave serves ${served}, but the package's mse.toml names ${measured.application}`,
      };
}

function nameKey(name: string): string {
  return isIP(name) === 0 ? name.toLowerCase() : canonicalIp(name);
}

/**
 * The certificate names exactly the host and further names the evidence's spawn arguments measured
 * (MRENCLAVE binds them: a certificate naming anything else is not what this enclave made).
 */
export function certificateNamesCheck(certificatePem: string, evidence: Evidence): VerificationCheck {
  const expected = [evidence.spawnArgs.host, ...evidence.spawnArgs.sans];
  const presented = certificateNames(certificatePem);
  const have = new Set(presented.map(nameKey));
  const want = new Set(expected.map(nameKey));
  const missing = expected.filter((name) => !have.has(nameKey(name)));
  const extra = presented.filter((name) => !want.has(nameKey(name)));
  if (missing.length === 0 && extra.length === 0) {
    return {
      name: "ratls.certificate.names",
      ok: true,
      reason: `the certificate names ${expected.join(", ")}, as spawned`,
    };
  }
  const problems = [
    ...(missing.length > 0 ? [`not ${missing.join(", ")}`] : []),
    ...(extra.length > 0 ? [`also ${extra.join(", ")}`] : []),
  ];
  return {
    name: "ratls.certificate.names",
    ok: false,
    reason: `the certificate names ${presented.join(", ") || "nothing"} (${problems.join("; ")}), but the enclave was spawned for ${expected.join(", ")}`,
  };
}

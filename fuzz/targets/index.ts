// Every fuzz target, one per parser of outside input.
import type { FuzzTarget } from "../target.js";
import { aesGcmTarget } from "./aesGcm.js";
import { appTarTarget } from "./appTar.js";
import { collateralTarget } from "./collateral.js";
import { configurationPayloadTarget } from "./configurationPayload.js";
import { crlTarget } from "./crl.js";
import { evidenceTarget } from "./evidence.js";
import { fernetTarget } from "./fernet.js";
import { launchArgumentsTarget } from "./launchArguments.js";
import { mseTomlTarget } from "./mseToml.js";
import { packageManifestTarget } from "./packageManifest.js";
import { packageFileTarget } from "./packageFile.js";
import { packageTarTarget } from "./packageTar.js";
import { pccsTarget } from "./pccs.js";
import { pckCertificateTarget } from "./pckCertificate.js";
import { qcnlTarget } from "./qcnl.js";
import { qeIdentityTarget } from "./qeIdentity.js";
import { quoteTarget } from "./quote.js";
import { raTlsCertificateTarget } from "./raTlsCertificate.js";
import { tcbInfoTarget } from "./tcbInfo.js";

export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  quoteTarget,
  pckCertificateTarget,
  crlTarget,
  tcbInfoTarget,
  qeIdentityTarget,
  collateralTarget,
  pccsTarget,
  evidenceTarget,
  raTlsCertificateTarget,
  mseTomlTarget,
  packageManifestTarget,
  packageTarTarget,
  packageFileTarget,
  appTarTarget,
  configurationPayloadTarget,
  launchArgumentsTarget,
  fernetTarget,
  aesGcmTarget,
  qcnlTarget,
];

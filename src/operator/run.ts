// `msehome run NAME [--secrets F] [--sealed-secrets F] [--key F]`: hands the configuration to the
// app's enclave. Only an app waiting for secrets is configured; the payload goes over TLS pinned to
// the certificate the app presents, after checking it is an RA-TLS certificate whose quote binds
// its key; then msehome waits for the app's healthcheck.
import { X509Certificate } from "node:crypto";
import { getAppContainer } from "../docker/appContainerLookup.js";
import { connectDocker } from "../docker/engine.js";
import {
  CONFIGURATION_PAYLOAD_MAX_BYTES,
  type ConfigurationPayload,
  serializeConfigurationPayload,
} from "../model/configurationPayload.js";
import { fetchAppCertificate } from "./appCertificate.js";
import { appEndpoint, replySentence, requestApp } from "./appEndpoint.js";
import { type AppWaitRequest, DEFAULT_APP_TIMEOUT_MS, waitForAppState } from "./appReadiness.js";
import { type AppProbe, probeApp } from "./appState.js";
import { AppStateError, OperatorInputError } from "./errors.js";
import { readCodeKeyFile, readSealedSecretsFile, readSecretsFile } from "./secretFiles.js";

/** `timeoutMs` is how long to wait for the app's healthcheck. */
export interface RunRequest extends AppWaitRequest {
  name: string;
  /** Plain secrets (JSON), for the app at SECRETS_PATH. */
  secretsPath?: string;
  /** Secrets sealed to the enclave by `msehome seal`, for the app at SEALED_SECRETS_PATH. */
  sealedSecretsPath?: string;
  /** The code key of an encrypted package (hex). */
  keyPath?: string;
}

export interface RunResult {
  name: string;
  state: AppProbe["state"];
  detail: string;
  /** What was sent (names only, never values). */
  sent: { secrets: boolean; sealedSecrets: boolean; codeKey: boolean };
  /** SHA-256 fingerprint of the certificate the payload was pinned to. */
  certificateFingerprint: string;
}

/** Why a payload was refused, from the configuration server's status. */
function refusal(status: number): string {
  switch (status) {
    case 401:
      return "the app id does not match (is this the app spawn started?)";
    case 400:
      return "the configuration was refused";
    case 413:
      return "the configuration is too large";
    default:
      return `the configuration server answered HTTP ${status}`;
  }
}

export async function runApp(request: RunRequest): Promise<RunResult> {
  // The files first: a wrong one is reported before anything touches the app.
  const payload: Omit<ConfigurationPayload, "uuid"> = {};
  if (request.secretsPath !== undefined) payload.appSecrets = await readSecretsFile(request.secretsPath);
  if (request.sealedSecretsPath !== undefined) {
    payload.appSealedSecrets = await readSealedSecretsFile(request.sealedSecretsPath);
  }
  if (request.keyPath !== undefined) payload.codeSecretKey = await readCodeKeyFile(request.keyPath);

  const engine = request.engine ?? (await connectDocker());
  const app = await getAppContainer(engine, request.name);
  const probe = await probeApp(app, { reach: engine.reach });
  if (probe.state !== "waiting for secrets") {
    const why =
      probe.state === "running"
        ? "it already runs: it was given its configuration before"
        : `it is ${probe.state} (${probe.detail})`;
    throw new AppStateError(
      app.name,
      probe.state,
      `the app "${app.name}" is not waiting for secrets: ${why}`,
    );
  }

  const body = serializeConfigurationPayload({ uuid: app.labels.appId, ...payload });
  if (Buffer.byteLength(body) > CONFIGURATION_PAYLOAD_MAX_BYTES) {
    throw new OperatorInputError(
      `the configuration is ${Buffer.byteLength(body)} bytes once encoded; the enclave accepts at most ${CONFIGURATION_PAYLOAD_MAX_BYTES}`,
    );
  }

  // Pin the connection to the certificate whose quote speaks for its key: the payload only goes
  // to whoever holds that key, i.e. the enclave.
  request.onPhase?.(`Sending the configuration to ${app.name}`);
  const endpoint = appEndpoint(app, engine.reach);
  const certificatePem = await fetchAppCertificate(app, engine.reach);
  const reply = await requestApp(endpoint, {
    method: "POST",
    path: "/",
    body,
    headers: { "Content-Type": "application/json" },
    pinnedCertificatePem: certificatePem,
    timeoutMs: 30_000,
  });
  if (reply.status !== 200) {
    const sentence = replySentence(reply);
    throw new Error(
      `the app "${app.name}" refused its configuration: ${refusal(reply.status)}${sentence ? ` (${sentence})` : ""}`,
    );
  }

  request.onPhase?.(`Waiting for ${app.name} to answer its healthcheck`);
  const running = await waitForAppState(engine, app, ["running"], {
    during: "waiting for the app to answer its healthcheck",
    timeoutMs: request.timeoutMs ?? DEFAULT_APP_TIMEOUT_MS,
    ...(request.onProbe ? { onProbe: request.onProbe } : {}),
  });
  return {
    name: app.name,
    state: running.state,
    detail: running.detail,
    sent: {
      secrets: payload.appSecrets !== undefined,
      sealedSecrets: payload.appSealedSecrets !== undefined,
      codeKey: payload.codeSecretKey !== undefined,
    },
    certificateFingerprint: new X509Certificate(certificatePem).fingerprint256,
  };
}

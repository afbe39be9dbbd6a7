// The enclave bootstrap, one code path for SGX and simulation: a configured enclave (its record in
// enclave storage) serves the code provider's app at once with the certificate it kept; otherwise a
// fresh identity (keys + RA-TLS certificate) waits behind the configuration server, and the accepted
// configuration is kept together with that identity before the app serves over HTTPS with the same
// certificate on the same port.
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { LaunchArguments } from "../model/launchArguments.js";
import { parseApplicationSpec } from "../model/mseToml.js";
import type { AttestationProvider } from "./attestationProvider.js";
import { loadApplication } from "./appLoader.js";
import {
  prepareAppDirectory,
  resolveConfiguration,
  writeSecretFiles,
  type AppConfiguration,
} from "./appConfiguration.js";
import { startConfigurationServer } from "./configurationServer.js";
import { createIdentity, type EnclaveIdentity } from "./enclaveIdentity.js";
import { loadConfiguredEnclave, storeConfiguredEnclave } from "./enclaveRecord.js";
import { openEnclaveStorage } from "./enclaveStorage.js";
import type { RuntimeLayout } from "./layout.js";

export interface EnclaveOptions {
  args: LaunchArguments;
  layout: RuntimeLayout;
  provider: AttestationProvider;
  host?: string;
  port: number;
  log(line: string): void;
}

export interface RunningEnclave {
  /** The port bound (the same for the configuration server and the app). */
  port: number;
  certificatePem: string;
  /** Whether this boot found the enclave configured (a restart) and skipped the server. */
  restarted: boolean;
  /** Settles when the app serves; rejects when configuring or loading it fails. */
  appServing: Promise<void>;
  close(): Promise<void>;
}

export async function startEnclave(options: EnclaveOptions): Promise<RunningEnclave> {
  const { args, layout, provider, log } = options;
  const host = options.host ?? "0.0.0.0";
  const storage = await openEnclaveStorage(layout.storageDir, provider);
  const configured = await loadConfiguredEnclave(storage, provider);
  const identity: EnclaveIdentity = configured?.identity ?? (await createIdentity(provider, args));
  const tls = { key: identity.tlsKey.privateKeyPem, cert: identity.certificatePem };

  let appServer: https.Server | undefined;
  let closed = false;

  const serveApp = async (configuration: AppConfiguration, port: number): Promise<void> => {
    const environment = await writeSecretFiles(layout.secretsDir, configuration);
    delete process.env.SECRETS_PATH;
    delete process.env.SEALED_SECRETS_PATH;
    Object.assign(process.env, environment);
    const listener = await loadApplication(layout.appDir, parseApplicationSpec(args.application), "https");
    if (closed) return;
    appServer = https.createServer(tls, listener);
    await new Promise<void>((resolve, reject) => {
      appServer!.once("error", reject);
      appServer!.listen(port, host, () => {
        appServer!.off("error", reject);
        resolve();
      });
    });
    log(`the application ${args.application} is serving on port ${port}`);
  };

  if (configured !== undefined) {
    log("found this enclave configured in its storage: starting the application with its certificate");
    await prepareAppDirectory(layout.codeDir, layout.appDir, configured.configuration.codeSecretKey);
    const appServing = serveApp(configured.configuration, options.port);
    await appServing;
    return {
      port: (appServer!.address() as AddressInfo).port,
      certificatePem: identity.certificatePem,
      restarted: true,
      appServing,
      close: () => closeServer(appServer, () => (closed = true)),
    };
  }

  log("created a fresh RA-TLS certificate: it is kept only once a configuration is accepted");
  let accepted: AppConfiguration | undefined;
  const configurationServer = await startConfigurationServer({
    tls,
    host,
    port: options.port,
    uuid: args.appId,
    log,
    accept: async (payload) => {
      const configuration = resolveConfiguration(payload, identity);
      await prepareAppDirectory(layout.codeDir, layout.appDir, configuration.codeSecretKey);
      await storeConfiguredEnclave(storage, { identity, configuration });
      accepted = configuration;
    },
  });
  log(`the configuration server is waiting on port ${configurationServer.port}`);
  const appServing = configurationServer.configured.then(() => {
    if (closed) return;
    return serveApp(accepted as AppConfiguration, configurationServer.port);
  });
  return {
    port: configurationServer.port,
    certificatePem: identity.certificatePem,
    restarted: false,
    appServing,
    close: async () => {
      closed = true;
      await configurationServer.close();
      await closeServer(appServer, () => {});
    },
  };
}

function closeServer(server: https.Server | undefined, mark: () => void): Promise<void> {
  mark();
  if (server === undefined || !server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

// Where the runtime finds and keeps things inside the app container (the fixed paths of
// model/appContainerLayout, which spawn mounts and the Gramine manifest names), overridable for tests.
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  APP_CONTAINER_ENCLAVE_USER,
  APP_CONTAINER_INPUTS,
  APP_CONTAINER_LAYOUT,
  APP_CONTAINER_PORT,
} from "../model/appContainerLayout.js";
import type { EnclaveUser } from "./enclaveUser.js";

export interface RuntimeLayout {
  /** The code provider's `app.tar`, in the read-only inputs volume. */
  appTar: string;
  /** RSA-3072 (e=3) enclave signer key, in the inputs volume. */
  signerKey: string;
  /** The simulated SGX platform directory, in the inputs volume (simulation only). */
  simulationPlatformDir: string;
  /** msehome's own production build: dist/, package.json, node_modules/. */
  runtimeDir: string;
  /** npm packages the app image adds (`RUN npm install` in /opt/msehome); measured like code. */
  dependenciesDir: string;
  /** `app.tar` unpacked as shipped (encrypted files still encrypted): what is measured. */
  codeDir: string;
  /** The code the app runs from: a copy of codeDir with `.enc` files decrypted (a mount point: emptied, never removed). */
  appDir: string;
  /** Enclave storage: the enclave's record, encrypted under the sealing key (a mount point). */
  storageDir: string;
  /** Plaintext secret files handed to the app (SECRETS_PATH, SEALED_SECRETS_PATH; a mount point). */
  secretsDir: string;
  /** Scratch space for the Gramine manifest and signature (hardware only). */
  enclaveDir: string;
  /** The unprivileged user the simulated enclave becomes once the code is unpacked (unset: stay as is). */
  enclaveUser?: EnclaveUser;
}

/** The package root this module belongs to (…/dist/runtime/layout.js → …). */
export const RUNTIME_PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const input = (name: string): string => path.posix.join(APP_CONTAINER_LAYOUT.inputDir, name);

export const CONTAINER_LAYOUT: RuntimeLayout = {
  appTar: input(APP_CONTAINER_INPUTS.appTar),
  signerKey: input(APP_CONTAINER_INPUTS.signerKey),
  simulationPlatformDir: input(APP_CONTAINER_INPUTS.simulationPlatform),
  runtimeDir: APP_CONTAINER_LAYOUT.runtimeDir,
  dependenciesDir: APP_CONTAINER_LAYOUT.dependenciesDir,
  codeDir: APP_CONTAINER_LAYOUT.codeDir,
  appDir: APP_CONTAINER_LAYOUT.appDir,
  storageDir: APP_CONTAINER_LAYOUT.storageDir,
  secretsDir: APP_CONTAINER_LAYOUT.secretsDir,
  enclaveDir: APP_CONTAINER_LAYOUT.enclaveDir,
  enclaveUser: APP_CONTAINER_ENCLAVE_USER,
};

/** Port the app container serves on (published by spawn on 127.0.0.1:<port>). */
export const CONTAINER_PORT = APP_CONTAINER_PORT;

/** Port `msehome-dev` serves plain HTTP on. */
export const DEV_PORT = 5000;

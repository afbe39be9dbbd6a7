// Where the runtime finds and keeps things inside the app container (fixed paths that the
// operator's spawn mounts into and the Gramine manifest names), overridable for tests.
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface RuntimeLayout {
  /** The code provider's `app.tar`, mounted read-only by spawn. */
  appTar: string;
  /** RSA-3072 (e=3) enclave signer key, mounted by spawn. */
  signerKey: string;
  /** The simulated SGX platform directory, mounted read-only in simulation. */
  simulationPlatformDir: string;
  /** msehome's own production build: dist/, package.json, node_modules/. */
  runtimeDir: string;
  /** npm packages the app image adds (`RUN npm install` in /opt/msehome); measured like code. */
  dependenciesDir: string;
  /** `app.tar` unpacked as shipped (encrypted files still encrypted): what is measured. */
  codeDir: string;
  /** The code the app runs from: a copy of codeDir with `.enc` files decrypted. */
  appDir: string;
  /** Enclave storage: keys, certificate and provided secrets, encrypted under the sealing key. */
  storageDir: string;
  /** Plaintext secret files handed to the app (SECRETS_PATH, SEALED_SECRETS_PATH). */
  secretsDir: string;
  /** Scratch space for the Gramine manifest and signature (hardware only). */
  enclaveDir: string;
}

/** The package root this module belongs to (…/dist/runtime/layout.js → …). */
export const RUNTIME_PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const CONTAINER_LAYOUT: RuntimeLayout = {
  appTar: "/opt/input/app.tar",
  signerKey: "/root/.config/gramine/enclave-key.pem",
  simulationPlatformDir: "/opt/msehome/sim-platform",
  runtimeDir: "/opt/msehome/runtime",
  dependenciesDir: "/opt/msehome/node_modules",
  codeDir: "/opt/msehome/code",
  appDir: "/opt/msehome/app",
  storageDir: "/opt/msehome/storage",
  secretsDir: "/opt/msehome/secrets",
  enclaveDir: "/opt/msehome/enclave",
};

/** Port the app container serves on (published by spawn on 127.0.0.1:<port>). */
export const CONTAINER_PORT = 443;

/** Port `msehome-dev` serves plain HTTP on. */
export const DEV_PORT = 5000;

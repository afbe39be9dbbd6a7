// The app container's filesystem, the contract between the operator's side (which creates the
// container: volumes, tmpfs mounts, a read-only root) and the runtime inside it (which reads and
// writes exactly these paths, and names them in the Gramine manifest). The container looks like the
// enclave from inside: writable only where the enclave is (tmpfs, encrypted storage).

/** Where msehome's fixed paths are in the app container. */
export const APP_CONTAINER_LAYOUT = {
  /** The inputs volume (read-only): app.tar, the signer key, the simulated platform. */
  inputDir: "/opt/input",
  /** msehome's own production build (dist/, package.json, node_modules/), part of the image. */
  runtimeDir: "/opt/msehome/runtime",
  /** npm packages the app image adds (`RUN npm install` in /opt/msehome), part of the image. */
  dependenciesDir: "/opt/msehome/node_modules",
  /** tmpfs: app.tar unpacked as shipped, before the enclave starts; the enclave only reads it. */
  codeDir: "/opt/msehome/code",
  /** tmpfs: the code the app runs from (a copy of codeDir with `.enc` files decrypted). */
  appDir: "/opt/msehome/app",
  /** tmpfs: plaintext secret files handed to the app. */
  secretsDir: "/opt/msehome/secrets",
  /** The storage volume: the enclave's sealed record, kept across restarts. */
  storageDir: "/opt/msehome/storage",
  /** tmpfs: the Gramine manifest and signature (SGX hardware). */
  enclaveDir: "/opt/msehome/enclave",
  /** tmpfs: the scratch space the enclave has too. */
  tmpDir: "/tmp",
  /** aesmd's socket directory, from the SGX host (hardware only). */
  aesmdDir: "/var/run/aesmd",
} as const;

/** The members of the inputs volume, relative to inputDir. */
export const APP_CONTAINER_INPUTS = {
  /** The code provider's code, as packaged. */
  appTar: "app.tar",
  /** The RSA-3072 (e=3) enclave signer key. */
  signerKey: "enclave-key.pem",
  /** The simulated SGX platform directory (simulation only). */
  simulationPlatform: "sim-platform",
} as const;

/** The directories the container can write, each a tmpfs, as the enclave's in-memory mounts. */
export const APP_CONTAINER_TMPFS = [
  APP_CONTAINER_LAYOUT.codeDir,
  APP_CONTAINER_LAYOUT.appDir,
  APP_CONTAINER_LAYOUT.secretsDir,
  APP_CONTAINER_LAYOUT.enclaveDir,
  APP_CONTAINER_LAYOUT.tmpDir,
] as const;

/**
 * Who the simulated enclave runs as once msehome-run has unpacked the code as root: an unprivileged
 * user (Debian's `nobody`) that owns only the enclave's writable mounts, so the code, the runtime and
 * the packages are read-only to the app as trusted files are in Gramine.
 */
export const APP_CONTAINER_ENCLAVE_USER = { uid: 65534, gid: 65534 } as const;

/** The app (configuration server, then the app itself) listens on this port in the container. */
export const APP_CONTAINER_PORT = 443;

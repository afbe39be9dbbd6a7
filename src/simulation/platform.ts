// A simulated SGX platform: a directory holding its PCK key and certificate, the QE attestation key, its TCB state and a platform secret.
import "reflect-metadata";
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  webcrypto,
  X509Certificate,
  type KeyObject,
} from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import * as x509 from "@peculiar/x509";
import { z } from "zod";
import { ECDSA_P256, pckCertificate } from "./certificateProfiles.js";
import { SIMULATION_PCK_PLATFORM_CA_KEY_PEM, SIMULATION_PCK_PLATFORM_CA_PEM } from "./pki.js";
import type { PlatformTcb } from "./sgxExtension.js";
import {
  SIMULATED_TCB_STATES,
  SIMULATION_FMSPC,
  SIMULATION_PCE_ID,
  platformTcbOf,
  type SimulatedTcbState,
} from "./tcbLevels.js";

export type { SimulatedTcbState } from "./tcbLevels.js";

export interface Platform {
  dir: string;
  tcbState: SimulatedTcbState;
  createdAt: Date;
  fmspc: Uint8Array;
  pceId: Uint8Array;
  ppid: Uint8Array;
  platformInstanceId: Uint8Array;
  /** The QE's identifier for this platform; quote headers carry it in their user data. */
  qeId: Uint8Array;
  tcb: PlatformTcb;
  pckCertificatePem: string;
  /** Serial number of the PCK certificate, lowercase hexadecimal. */
  pckSerialNumber: string;
  pckPrivateKey: KeyObject;
  attestationPrivateKey: KeyObject;
  /** The attestation public key as a quote carries it: x ‖ y, 64 bytes. */
  attestationPublicKey: Uint8Array;
  /** Secret from which enclave sealing keys derive; never print it. */
  platformKey: Uint8Array;
}

const FILES = {
  description: "platform.json",
  pckCertificate: "pck-cert.pem",
  pckKey: "pck-key.pem",
  attestationKey: "attestation-key.pem",
  platformKey: "platform-key",
} as const;

const PLATFORM_FORMAT = "msehome simulated SGX platform";
const hex = (length: number) =>
  z
    .string()
    .regex(new RegExp(`^[0-9a-fA-F]{${length * 2}}$`), `expected ${length} bytes of hexadecimal`)
    .transform((s) => new Uint8Array(Buffer.from(s, "hex")));

const descriptionSchema = z.object({
  format: z.literal(PLATFORM_FORMAT),
  version: z.literal(1),
  createdAt: z.iso.datetime().transform((s) => new Date(s)),
  tcbState: z.enum(SIMULATED_TCB_STATES),
  fmspc: hex(6),
  pceId: hex(2),
  ppid: hex(16),
  platformInstanceId: hex(16),
  qeId: hex(16),
  tcb: z.object({
    components: z.array(z.number().int().min(0).max(255)).length(16),
    pceSvn: z.number().int().min(0).max(0xffff),
    cpuSvn: hex(16),
  }),
});

/** Where `msehome sim` keeps its platform unless told otherwise: $MSEHOME_SIM_PLATFORM, else the user's config dir. */
export function defaultPlatformDir(): string {
  const override = process.env.MSEHOME_SIM_PLATFORM;
  if (override) return path.resolve(override);
  const configHome = process.env.XDG_CONFIG_HOME || path.join(homedir(), ".config");
  return path.join(configHome, "msehome", "sim-platform");
}

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex").toUpperCase();

async function importPkcs8(pem: string): Promise<webcrypto.CryptoKey> {
  return webcrypto.subtle.importKey("pkcs8", x509.PemConverter.decodeFirst(pem), ECDSA_P256, false, ["sign"]);
}

/** Refuses to replace a directory that holds something other than a simulated platform. */
async function assertReplaceable(dir: string): Promise<boolean> {
  if (!existsSync(dir)) return false;
  if (!statSync(dir).isDirectory())
    throw new Error(`${dir} exists and is not a directory; choose another --dir`);
  const entries = await readdir(dir);
  if (entries.length === 0) return true;
  if (!entries.includes(FILES.description)) {
    throw new Error(`${dir} exists and is not a simulated SGX platform directory; choose another --dir`);
  }
  return true;
}

/** Creates a platform in `dir`, or resets the one there, atomically: a reader sees the old platform or the new one. */
export async function initPlatform(
  dir: string,
  options: { tcb?: SimulatedTcbState } = {},
): Promise<Platform> {
  const target = path.resolve(dir);
  const tcbState = options.tcb ?? "up-to-date";
  if (!SIMULATED_TCB_STATES.includes(tcbState)) {
    throw new Error(
      `unknown TCB state "${String(tcbState)}"; expected one of ${SIMULATED_TCB_STATES.join(", ")}`,
    );
  }
  const exists = await assertReplaceable(target);
  const parent = path.dirname(target);
  await mkdir(parent, { recursive: true });

  const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  const tcb = platformTcbOf(tcbState);
  const ids = {
    ppid: randomBytes(16),
    platformInstanceId: randomBytes(16),
    qeId: randomBytes(16),
  };
  const fmspc = Buffer.from(SIMULATION_FMSPC, "hex");
  const pceId = Buffer.from(SIMULATION_PCE_ID, "hex");

  const pckKeys = (await webcrypto.subtle.generateKey(ECDSA_P256, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const platformCa = {
    certificate: new x509.X509Certificate(SIMULATION_PCK_PLATFORM_CA_PEM),
    privateKey: await importPkcs8(SIMULATION_PCK_PLATFORM_CA_KEY_PEM),
  };
  const notAfter = new Date(createdAt);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + 7); // Intel issues PCK certificates for seven years.
  const pck = await pckCertificate(
    pckKeys.publicKey,
    platformCa,
    { notBefore: createdAt, notAfter },
    {
      ppid: ids.ppid,
      tcb,
      pceId,
      fmspc,
      sgxType: "scalable",
      platformInstanceId: ids.platformInstanceId,
      configuration: { dynamicPlatform: true, cachedKeys: true, smtEnabled: true },
    },
  );
  const pckKeyPem = x509.PemConverter.encode(
    await webcrypto.subtle.exportKey("pkcs8", pckKeys.privateKey),
    "PRIVATE KEY",
  );
  const attestation = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const description = {
    format: PLATFORM_FORMAT,
    version: 1,
    createdAt: createdAt.toISOString(),
    tcbState,
    fmspc: toHex(fmspc),
    pceId: toHex(pceId),
    ppid: toHex(ids.ppid),
    platformInstanceId: toHex(ids.platformInstanceId),
    qeId: toHex(ids.qeId),
    tcb: { components: [...tcb.components], pceSvn: tcb.pceSvn, cpuSvn: toHex(tcb.cpuSvn) },
  };

  const staging = await mkdtemp(path.join(parent, `.${path.basename(target)}.new-`));
  try {
    await writeFile(path.join(staging, FILES.description), `${JSON.stringify(description, null, 2)}\n`, {
      mode: 0o644,
    });
    await writeFile(path.join(staging, FILES.pckCertificate), pck.toString("pem") + "\n", { mode: 0o644 });
    await writeFile(path.join(staging, FILES.pckKey), pckKeyPem + "\n", { mode: 0o600 });
    await writeFile(
      path.join(staging, FILES.attestationKey),
      attestation.privateKey.export({ format: "pem", type: "pkcs8" }),
      { mode: 0o600 },
    );
    await writeFile(path.join(staging, FILES.platformKey), `${randomBytes(32).toString("hex")}\n`, {
      mode: 0o600,
    });
    // Readable by whoever may read the directory's parent; the secrets inside stay owner-only.
    await chmod(staging, 0o755);
    if (exists) {
      const retired = `${staging}.old`;
      await rename(target, retired);
      await rename(staging, target);
      await rm(retired, { recursive: true, force: true });
    } else {
      await rename(staging, target);
    }
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return loadPlatform(target);
}

async function readPart(dir: string, file: string): Promise<string> {
  try {
    return await readFile(path.join(dir, file), "utf8");
  } catch (error) {
    throw new Error(`the simulated SGX platform at ${dir} is incomplete: cannot read ${file}`, {
      cause: error,
    });
  }
}

/** Loads a platform from its directory alone (no network, no home directory), as the app container does. */
export async function loadPlatform(dir: string): Promise<Platform> {
  const root = path.resolve(dir);
  if (!existsSync(path.join(root, FILES.description))) {
    throw new Error(`no simulated SGX platform at ${root}; create one with "msehome sim init --dir ${root}"`);
  }
  let parsedJson: unknown;
  try {
    parsedJson = JSON.parse(await readPart(root, FILES.description));
  } catch (error) {
    throw new Error(`${path.join(root, FILES.description)} is not valid JSON`, { cause: error });
  }
  const parsed = descriptionSchema.safeParse(parsedJson);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${path.join(root, FILES.description)} is not a simulated platform description: ${issue?.path.join(".") || "root"}: ${issue?.message}`,
    );
  }
  const description = parsed.data;
  const pckCertificatePem = await readPart(root, FILES.pckCertificate);
  const pckPrivateKey = createPrivateKey(await readPart(root, FILES.pckKey));
  const attestationPrivateKey = createPrivateKey(await readPart(root, FILES.attestationKey));
  const platformKeyHex = (await readPart(root, FILES.platformKey)).trim();
  if (!/^[0-9a-f]{64}$/i.test(platformKeyHex))
    throw new Error(`${path.join(root, FILES.platformKey)} must hold 32 bytes of hexadecimal`);

  const certificate = new X509Certificate(pckCertificatePem);
  if (!certificate.checkPrivateKey(pckPrivateKey)) {
    throw new Error(`the PCK key at ${root} does not match its PCK certificate`);
  }
  const jwk = createPublicKey(attestationPrivateKey).export({ format: "jwk" });
  if (jwk.crv !== "P-256" || !jwk.x || !jwk.y)
    throw new Error(`the attestation key at ${root} is not a P-256 key`);
  const attestationPublicKey = new Uint8Array(
    Buffer.concat([Buffer.from(jwk.x, "base64url"), Buffer.from(jwk.y, "base64url")]),
  );

  return {
    dir: root,
    tcbState: description.tcbState,
    createdAt: description.createdAt,
    fmspc: description.fmspc,
    pceId: description.pceId,
    ppid: description.ppid,
    platformInstanceId: description.platformInstanceId,
    qeId: description.qeId,
    tcb: description.tcb,
    pckCertificatePem,
    pckSerialNumber: certificate.serialNumber.toLowerCase(),
    pckPrivateKey,
    attestationPrivateKey,
    attestationPublicKey,
    platformKey: new Uint8Array(Buffer.from(platformKeyHex, "hex")),
  };
}

/** The simulated enclave sealing key for MRENCLAVE: HKDF-SHA256 of the platform secret, stable across restarts. */
export function deriveSealingKey(platform: Platform, mrEnclave: Uint8Array): Uint8Array {
  if (mrEnclave.length !== 32) throw new RangeError(`MRENCLAVE must be 32 bytes, got ${mrEnclave.length}`);
  return new Uint8Array(
    hkdfSync("sha256", platform.platformKey, Buffer.from("msehome simulation sealing key"), mrEnclave, 32),
  );
}

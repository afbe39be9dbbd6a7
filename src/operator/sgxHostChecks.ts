// The SGX platform of this machine as spawn needs it: CPU flags (SGX, flexible launch control), the
// in-kernel driver's devices, Intel's AESM service answering on its socket, and the QCNL
// configuration its quote provider library reads. Every path sits under a root ("/" by default), so
// a host file system mounted elsewhere, or a test's fake one, can be checked.
import { constants } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import { createConnection } from "node:net";
import path from "node:path";
import { parseQcnlConfig, QCNL_CONFIG_PATH } from "../attestation/qcnl.js";
import { APP_CONTAINER_PATHS, SGX_DEVICES } from "../docker/appContainer.js";
import { failed, type HostCheck, passed } from "./hostCheck.js";

export interface SgxHostPaths {
  cpuinfo: string;
  kernelRelease: string;
  enclaveDevice: string;
  provisionDevice: string;
  /** Intel's out-of-tree EPID driver, which DCAP cannot use. */
  legacyDevice: string;
  aesmdSocket: string;
  qcnlConfig: string;
}

const [ENCLAVE_DEVICE, PROVISION_DEVICE] = SGX_DEVICES.map((device) => device.pathOnHost) as [string, string];

/** Where the checks look, under `root`. */
export function sgxHostPaths(root = "/"): SgxHostPaths {
  const under = (file: string) => path.join(root, file);
  return {
    cpuinfo: under("/proc/cpuinfo"),
    kernelRelease: under("/proc/sys/kernel/osrelease"),
    enclaveDevice: under(ENCLAVE_DEVICE),
    provisionDevice: under(PROVISION_DEVICE),
    legacyDevice: under("/dev/isgx"),
    aesmdSocket: under(path.posix.join(APP_CONTAINER_PATHS.aesmd, "aesm.socket")),
    qcnlConfig: under(QCNL_CONFIG_PATH),
  };
}

const INTEL_PACKAGES = "Intel's SGX package repository, https://download.01.org/intel-sgx/sgx_repo/";

const errorCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

/** The CPU flags of the first processor in /proc/cpuinfo. */
async function cpuFlags(cpuinfo: string): Promise<Set<string>> {
  const text = await readFile(cpuinfo, "utf8");
  const line = text.split("\n").find((entry) => /^flags\s*:/.test(entry));
  if (!line) throw new Error(`${cpuinfo} has no "flags" line`);
  return new Set(
    line
      .slice(line.indexOf(":") + 1)
      .trim()
      .split(/\s+/),
  );
}

export async function checkCpu(paths: SgxHostPaths): Promise<HostCheck[]> {
  const sgx = { id: "cpu.sgx", title: "CPU supports SGX" };
  const flc = { id: "cpu.flc", title: "Flexible launch control" };
  let flags: Set<string>;
  try {
    flags = await cpuFlags(paths.cpuinfo);
  } catch (error) {
    const detail = `cannot read the CPU flags: ${(error as Error).message}`;
    const fix = "run msehome doctor on the Linux machine that hosts the enclaves";
    return [failed(sgx.id, sgx.title, detail, fix), failed(flc.id, flc.title, detail, fix)];
  }
  return [
    flags.has("sgx")
      ? passed(sgx.id, sgx.title, `the sgx flag is in ${paths.cpuinfo}`)
      : failed(
          sgx.id,
          sgx.title,
          `the CPU reports no sgx flag in ${paths.cpuinfo}`,
          'enable SGX in the BIOS/UEFI setup ("SGX: Enabled", not "Software Controlled", with a PRMRR size); without such a setting the CPU has no SGX (DCAP needs e.g. a Xeon E-2100 or later, or a 3rd generation Xeon Scalable or later); in a virtual machine the hypervisor must expose SGX',
        ),
    flags.has("sgx_lc")
      ? passed(flc.id, flc.title, `the sgx_lc flag is in ${paths.cpuinfo}`)
      : failed(
          flc.id,
          flc.title,
          `the CPU reports no sgx_lc flag in ${paths.cpuinfo}`,
          'set the BIOS "SGX Launch Control Policy" to Unlocked; DCAP attestation and the Linux SGX driver need flexible launch control, which CPUs without it (e.g. Xeon E3 v5/v6) cannot run',
        ),
  ];
}

async function kernelRelease(paths: SgxHostPaths): Promise<string> {
  return (await readFile(paths.kernelRelease, "utf8").catch(() => "unknown")).trim();
}

/** Present, a character device, and openable: a node without its driver fails to open (ENXIO, ENODEV). */
async function checkDevice(
  paths: SgxHostPaths,
  device: string,
  id: string,
  title: string,
): Promise<HostCheck> {
  const driverFix = async () =>
    `use Linux 5.11 or later (this machine runs ${await kernelRelease(paths)}), whose built-in SGX driver creates ${ENCLAVE_DEVICE} and ${PROVISION_DEVICE} once the BIOS enables SGX with flexible launch control (some distributions backport it, e.g. RHEL 8)`;
  let info;
  try {
    info = await stat(device);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") {
      return failed(id, title, `cannot read ${device}: ${(error as Error).message}`, await driverFix());
    }
    const legacy = await stat(paths.legacyDevice).catch(() => undefined);
    return failed(
      id,
      title,
      `${device} does not exist${legacy ? ` (only ${paths.legacyDevice}, Intel's out-of-tree EPID driver, is there)` : ""}`,
      legacy
        ? `remove the out-of-tree isgx driver, which DCAP cannot use, and ${await driverFix()}`
        : await driverFix(),
    );
  }
  if (!info.isCharacterDevice()) {
    return failed(
      id,
      title,
      `${device} is not a character device`,
      `remove it; the SGX driver creates the device node at boot (${await driverFix()})`,
    );
  }
  try {
    const handle = await open(device, constants.O_RDWR);
    await handle.close();
    return passed(id, title, `${device} is present and opens`);
  } catch (error) {
    const code = errorCode(error);
    if (code === "EACCES" || code === "EPERM") {
      // The Docker engine, which runs as root, opens the device for the app container.
      return passed(
        id,
        title,
        `${device} is present (this user may not open it; the Docker engine opens it as root)`,
      );
    }
    return failed(
      id,
      title,
      `${device} is present but does not open (${code ?? (error as Error).message}): no SGX driver answers behind it`,
      await driverFix(),
    );
  }
}

export async function checkDevices(paths: SgxHostPaths): Promise<HostCheck[]> {
  return Promise.all([
    checkDevice(paths, paths.enclaveDevice, "device.enclave", "SGX enclave device"),
    checkDevice(paths, paths.provisionDevice, "device.provision", "SGX provisioning device"),
  ]);
}

const AESMD_TIMEOUT_MS = 3_000;

function connects(socket: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const connection = createConnection({ path: socket });
    const timer = setTimeout(() => {
      connection.destroy();
      reject(
        Object.assign(new Error(`no connection within ${AESMD_TIMEOUT_MS / 1000} s`), { code: "ETIMEDOUT" }),
      );
    }, AESMD_TIMEOUT_MS);
    connection.once("connect", () => {
      clearTimeout(timer);
      connection.destroy();
      resolve();
    });
    connection.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Enclaves get their quotes from Intel's AESM service (its DCAP plugins), through this socket. */
export async function checkAesmd(paths: SgxHostPaths): Promise<HostCheck> {
  const id = "aesmd";
  const title = "AESM service answers";
  const socket = paths.aesmdSocket;
  const install = `install Intel's AESM service with its DCAP plugins (sgx-aesm-service, libsgx-aesm-ecdsa-plugin, libsgx-aesm-quote-ex-plugin, libsgx-dcap-default-qpl from ${INTEL_PACKAGES}) and start it: sudo systemctl enable --now aesmd`;
  try {
    await connects(socket);
    return passed(id, title, `aesmd accepts connections on ${socket}`);
  } catch (error) {
    switch (errorCode(error)) {
      case "ENOENT":
        return failed(id, title, `there is no aesmd socket at ${socket}`, install);
      case "ECONNREFUSED":
        return failed(
          id,
          title,
          `nothing accepts connections on ${socket} (aesmd is not running)`,
          "restart it with sudo systemctl restart aesmd and read why it stopped with journalctl -u aesmd",
        );
      case "EACCES":
      case "EPERM":
        return failed(
          id,
          title,
          `this user may not connect to ${socket}`,
          "aesmd creates its socket world-writable; restart it (sudo systemctl restart aesmd) or restore the socket's mode",
        );
      default:
        return failed(
          id,
          title,
          `cannot connect to ${socket}: ${(error as Error).message}`,
          "restart aesmd (sudo systemctl restart aesmd) and read journalctl -u aesmd",
        );
    }
  }
}

/** Intel's quote provider library fetches the PCK certificate from the PCCS this file names. */
export async function checkQcnl(paths: SgxHostPaths): Promise<HostCheck> {
  const id = "qcnl";
  const title = "QCNL configuration";
  const file = paths.qcnlConfig;
  const setUrl = `set "pccs_url": "https://<your PCCS>:8081/sgx/certification/v4/" in ${file} (with "use_secure_cert": false for a PCCS with a self-signed certificate), then sudo systemctl restart aesmd`;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") {
      return failed(
        id,
        title,
        `${file} does not exist`,
        `install libsgx-dcap-default-qpl (Intel's quote provider library, from ${INTEL_PACKAGES}), which writes it; then ${setUrl}`,
      );
    }
    return failed(id, title, `cannot read ${file}: ${(error as Error).message}`, `make ${file} readable`);
  }
  try {
    const config = parseQcnlConfig(text, file);
    if (!config.pccsUrl) return failed(id, title, `${file} names no PCCS (no pccs_url)`, setUrl);
    return passed(
      id,
      title,
      `${file} names the PCCS ${config.pccsUrl}${config.useSecureCert ? "" : " (its TLS certificate is not checked: use_secure_cert false)"}`,
    );
  } catch (error) {
    return failed(
      id,
      title,
      (error as Error).message,
      `correct ${file}: JSON with // comments since DCAP 1.15 (see the file libsgx-dcap-default-qpl installs)`,
    );
  }
}

/** Everything spawn needs from the SGX platform, in the order doctor prints it. */
export async function checkSgxHost(paths: SgxHostPaths): Promise<HostCheck[]> {
  const [cpu, devices, aesmd, qcnl] = await Promise.all([
    checkCpu(paths),
    checkDevices(paths),
    checkAesmd(paths),
    checkQcnl(paths),
  ]);
  return [...cpu, ...devices, aesmd, qcnl];
}

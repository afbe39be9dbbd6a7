// The SGX platform of this machine as spawn needs it: CPU flags (SGX, flexible launch control), the
// in-kernel driver's devices, Intel's AESM service answering on its socket, and the QCNL
// configuration its quote provider library reads. Every path sits under a root ("/" by default), so
// a host file system mounted elsewhere, or a test's fake one, can be checked.
import path from "node:path";
import { parseQcnlConfig, QCNL_CONFIG_PATH } from "../attestation/qcnl.js";
import { APP_CONTAINER_PATHS, SGX_DEVICES } from "../docker/appContainer.js";
import { failed, type HostCheck, passed } from "./hostCheck.js";
import { gatherLocalSgxFacts, type SgxHostFacts } from "./sgxHostFacts.js";

export interface SgxHostPaths {
  cpuinfo: string;
  kernelRelease: string;
  enclaveDevice: string;
  provisionDevice: string;
  /** Intel's out-of-tree EPID driver, which DCAP cannot use. */
  legacyDevice: string;
  aesmdSocket: string;
  qcnlConfig: string;
  /** The machine the paths are on, as messages name it (e.g. "this machine"). */
  machine: string;
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
    machine: "this machine",
  };
}

const INTEL_PACKAGES = "Intel's SGX package repository, https://download.01.org/intel-sgx/sgx_repo/";

/** The CPU flags of the first processor in the text of /proc/cpuinfo. */
function cpuFlags(cpuinfo: string, text: string): Set<string> {
  const line = text.split("\n").find((entry) => /^flags\s*:/.test(entry));
  if (!line) throw new Error(`${cpuinfo} has no "flags" line`);
  return new Set(
    line
      .slice(line.indexOf(":") + 1)
      .trim()
      .split(/\s+/),
  );
}

export function cpuChecks(paths: SgxHostPaths, facts: SgxHostFacts): HostCheck[] {
  const sgx = { id: "cpu.sgx", title: "CPU supports SGX" };
  const flc = { id: "cpu.flc", title: "Flexible launch control" };
  let flags: Set<string>;
  try {
    if (!("text" in facts.cpuinfo)) throw new Error(facts.cpuinfo.message);
    flags = cpuFlags(paths.cpuinfo, facts.cpuinfo.text);
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

/** Present, a character device, and openable: a node without its driver fails to open (ENXIO, ENODEV). */
function deviceCheck(
  paths: SgxHostPaths,
  facts: SgxHostFacts,
  which: "enclaveDevice" | "provisionDevice",
  id: string,
  title: string,
): HostCheck {
  const device = paths[which];
  const fact = facts[which];
  const release = "text" in facts.kernelRelease ? facts.kernelRelease.text.trim() : "unknown";
  const driverFix = `use Linux 5.11 or later (${paths.machine} runs ${release}), whose built-in SGX driver creates ${ENCLAVE_DEVICE} and ${PROVISION_DEVICE} once the BIOS enables SGX with flexible launch control (some distributions backport it, e.g. RHEL 8)`;
  switch (fact.kind) {
    case "error":
      return failed(id, title, `cannot read ${device}: ${fact.message}`, driverFix);
    case "missing": {
      const legacy = facts.legacyDevicePresent;
      return failed(
        id,
        title,
        `${device} does not exist${legacy ? ` (only ${paths.legacyDevice}, Intel's out-of-tree EPID driver, is there)` : ""}`,
        legacy ? `remove the out-of-tree isgx driver, which DCAP cannot use, and ${driverFix}` : driverFix,
      );
    }
    case "other":
      return failed(
        id,
        title,
        `${device} is not a character device`,
        `remove it; the SGX driver creates the device node at boot (${driverFix})`,
      );
    case "character":
      break;
  }
  if (fact.open === "ok") return passed(id, title, `${device} is present and opens`);
  if (fact.open === "EACCES" || fact.open === "EPERM") {
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
    `${device} is present but does not open (${fact.open ?? "unknown"}): no SGX driver answers behind it`,
    driverFix,
  );
}

export function deviceChecks(paths: SgxHostPaths, facts: SgxHostFacts): HostCheck[] {
  return [
    deviceCheck(paths, facts, "enclaveDevice", "device.enclave", "SGX enclave device"),
    deviceCheck(paths, facts, "provisionDevice", "device.provision", "SGX provisioning device"),
  ];
}

/** Enclaves get their quotes from Intel's AESM service (its DCAP plugins), through this socket. */
export function aesmdCheck(paths: SgxHostPaths, facts: SgxHostFacts): HostCheck {
  const id = "aesmd";
  const title = "AESM service answers";
  const socket = paths.aesmdSocket;
  const install = `install Intel's AESM service with its DCAP plugins (sgx-aesm-service, libsgx-aesm-ecdsa-plugin, libsgx-aesm-quote-ex-plugin, libsgx-dcap-default-qpl from ${INTEL_PACKAGES}) and start it: sudo systemctl enable --now aesmd`;
  switch (facts.aesmd.code) {
    case "ok":
      return passed(id, title, `aesmd accepts connections on ${socket}`);
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
        `cannot connect to ${socket}: ${facts.aesmd.message}`,
        "restart aesmd (sudo systemctl restart aesmd) and read journalctl -u aesmd",
      );
  }
}

/** Intel's quote provider library fetches the PCK certificate from the PCCS this file names. */
export function qcnlCheck(paths: SgxHostPaths, facts: SgxHostFacts): HostCheck {
  const id = "qcnl";
  const title = "QCNL configuration";
  const file = paths.qcnlConfig;
  const setUrl = `set "pccs_url": "https://<your PCCS>:8081/sgx/certification/v4/" in ${file} (with "use_secure_cert": false for a PCCS with a self-signed certificate), then sudo systemctl restart aesmd`;
  const fact = facts.qcnl;
  if (!("text" in fact)) {
    if (fact.code === "ENOENT") {
      return failed(
        id,
        title,
        `${file} does not exist`,
        `install libsgx-dcap-default-qpl (Intel's quote provider library, from ${INTEL_PACKAGES}), which writes it; then ${setUrl}`,
      );
    }
    return failed(id, title, `cannot read ${file}: ${fact.message}`, `make ${file} readable`);
  }
  try {
    const config = parseQcnlConfig(fact.text, file);
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

/** The platform checks on gathered facts, in the order doctor prints them. */
export function sgxHostChecks(paths: SgxHostPaths, facts: SgxHostFacts): HostCheck[] {
  return [
    ...cpuChecks(paths, facts),
    ...deviceChecks(paths, facts),
    aesmdCheck(paths, facts),
    qcnlCheck(paths, facts),
  ];
}

export async function checkCpu(paths: SgxHostPaths): Promise<HostCheck[]> {
  return cpuChecks(paths, await gatherLocalSgxFacts(paths));
}

export async function checkDevices(paths: SgxHostPaths): Promise<HostCheck[]> {
  return deviceChecks(paths, await gatherLocalSgxFacts(paths));
}

export async function checkAesmd(paths: SgxHostPaths): Promise<HostCheck> {
  return aesmdCheck(paths, await gatherLocalSgxFacts(paths));
}

export async function checkQcnl(paths: SgxHostPaths): Promise<HostCheck> {
  return qcnlCheck(paths, await gatherLocalSgxFacts(paths));
}

/** Everything spawn needs from the SGX platform, in the order doctor prints it. */
export async function checkSgxHost(paths: SgxHostPaths): Promise<HostCheck[]> {
  return sgxHostChecks(paths, await gatherLocalSgxFacts(paths));
}

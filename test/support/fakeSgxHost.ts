// A fake SGX host under a directory, for the checks that take a root: /proc/cpuinfo with the
// given flags, the kernel release, /dev/sgx_enclave and /dev/sgx_provision (links to /dev/null, a
// character device that opens), an aesmd socket the test serves, and a QCNL configuration.
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import path from "node:path";

/** The flags of an Ice Lake Xeon with SGX and flexible launch control (abridged). */
export const SGX_CPU_FLAGS: readonly string[] = (
  "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 " +
  "ss ht syscall nx pdpe1gb rdtscp lm constant_tsc pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 x2apic " +
  "movbe popcnt aes xsave avx f16c rdrand fsgsbase sgx bmi1 avx2 smep bmi2 erms invpcid avx512f " +
  "rdseed adx smap sha_ni sgx_lc md_clear flush_l1d"
).split(" ");

export interface FakeSgxHostOptions {
  cpuFlags?: readonly string[];
  kernelRelease?: string;
  /** Create the two device nodes (default true). */
  devices?: boolean;
  /** Serve the aesmd socket (default true). */
  aesmd?: boolean;
  /** The QCNL file's text; null leaves it out. */
  qcnl?: string | null;
}

export interface FakeSgxHost {
  root: string;
  aesmdSocket: string;
  close(): Promise<void>;
}

function cpuinfo(flags: readonly string[]): string {
  return [0, 1]
    .map((cpu) =>
      [
        `processor\t: ${cpu}`,
        "vendor_id\t: GenuineIntel",
        "model name\t: Intel(R) Xeon(R) Gold 5318S CPU @ 2.10GHz",
        `flags\t\t: ${flags.join(" ")}`,
        "",
      ].join("\n"),
    )
    .join("\n");
}

export async function fakeSgxHost(root: string, options: FakeSgxHostOptions = {}): Promise<FakeSgxHost> {
  const at = (file: string) => path.join(root, file);
  await mkdir(at("proc/sys/kernel"), { recursive: true });
  await writeFile(at("proc/cpuinfo"), cpuinfo(options.cpuFlags ?? SGX_CPU_FLAGS));
  await writeFile(at("proc/sys/kernel/osrelease"), `${options.kernelRelease ?? "6.8.0-45-generic"}\n`);
  await mkdir(at("dev"), { recursive: true });
  if (options.devices ?? true) {
    await symlink("/dev/null", at("dev/sgx_enclave"));
    await symlink("/dev/null", at("dev/sgx_provision"));
  }
  await mkdir(at("var/run/aesmd"), { recursive: true });
  const aesmdSocket = at("var/run/aesmd/aesm.socket");
  let server: Server | undefined;
  if (options.aesmd ?? true) {
    server = createServer((connection) => connection.end());
    await new Promise<void>((resolve) => server!.listen(aesmdSocket, resolve));
  }
  await mkdir(at("etc"), { recursive: true });
  if (options.qcnl !== null) {
    await writeFile(
      at("etc/sgx_default_qcnl.conf"),
      options.qcnl ??
        '{\n  // PCCS server address\n  "pccs_url": "https://localhost:8081/sgx/certification/v4/",\n  "use_secure_cert": false\n}\n',
    );
  }
  return {
    root,
    aesmdSocket,
    close: () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
  };
}

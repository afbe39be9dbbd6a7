// A second Docker engine with its own filesystem, for the remote-engine tests: dockerd and sshd in
// a privileged container of the test engine, its root filesystem made offline from this machine's
// own binaries and their shared libraries (no registry), its data on a volume of its own. It is
// reached over TCP with mutual TLS (a CA and certificates made here) and over SSH (a key and a host
// key made here with ssh-keygen), at a fixed address on a bridge network the test creates.
import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { webcrypto } from "node:crypto";
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import * as x509 from "@peculiar/x509";
import tar from "tar-stream";
import { DockerEngine, endpointFromEnvironment } from "../../src/docker/engine.js";
import type { DockerEngine as Engine } from "../../src/docker/engine.js";

/** The programs the engine's machine needs: the engine, its runtime, the CLI `ssh` runs, sshd, a shell. */
const PROGRAMS = [
  "dockerd",
  "containerd",
  "containerd-shim-runc-v2",
  "runc",
  "docker-proxy",
  "docker",
  "sshd",
  "sh",
  "mkdir",
  "mount",
];

/** Linux capability names by number, for those this machine withholds from its processes. */
const CAPABILITIES = [
  "CHOWN",
  "DAC_OVERRIDE",
  "DAC_READ_SEARCH",
  "FOWNER",
  "FSETID",
  "KILL",
  "SETGID",
  "SETUID",
  "SETPCAP",
  "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE",
  "NET_BROADCAST",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "IPC_OWNER",
  "SYS_MODULE",
  "SYS_RAWIO",
  "SYS_CHROOT",
  "SYS_PTRACE",
  "SYS_PACCT",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_NICE",
  "SYS_RESOURCE",
  "SYS_TIME",
  "SYS_TTY_CONFIG",
  "MKNOD",
  "LEASE",
  "AUDIT_WRITE",
  "AUDIT_CONTROL",
  "SETFCAP",
  "MAC_OVERRIDE",
  "MAC_ADMIN",
  "SYSLOG",
  "WAKE_ALARM",
  "BLOCK_SUSPEND",
  "AUDIT_READ",
  "PERFMON",
  "BPF",
  "CHECKPOINT_RESTORE",
];

/**
 * Every capability this machine grants. A --privileged container asks for all of them and fails
 * where the machine itself runs with fewer (inside a container), so the engine's container gets
 * ALL minus the missing ones, with the kernel's views (/proc, /sys, cgroups) opened as
 * --privileged would.
 */
function missingCapabilities(): string[] {
  const bounding = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
  if (!bounding) return [];
  const mask = BigInt(`0x${bounding}`);
  return CAPABILITIES.filter((_, bit) => (mask & (1n << BigInt(bit))) === 0n);
}
const START_TIMEOUT_MS = 90_000;

export interface EngineMachine {
  /** The container's address on the test network (the engine's machine, as seen from here). */
  address: string;
  /** Environment naming the engine over TCP+TLS. */
  tlsEnv: NodeJS.ProcessEnv;
  /** Environment naming the engine over SSH (HOME holds the key and known_hosts). */
  sshEnv: NodeJS.ProcessEnv;
  /** The client TLS directory (ca.pem, cert.pem, key.pem). */
  tlsDir: string;
  /** Whether `file` exists on the engine's machine (its own filesystem). */
  hasFile(file: string): Promise<boolean>;
  /** The engine's and sshd's output so far, for failure messages. */
  logs(): Promise<string>;
  /** Removes the container, its data volume and the network (never fails). */
  remove(): Promise<void>;
}

function which(program: string): string {
  for (const dir of ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"]) {
    try {
      return realpathSync(path.join(dir, program)) && path.join(dir, program);
    } catch {
      // not there
    }
  }
  throw new Error(
    `${program} is not installed on this machine (scripts/ensure-docker.sh and scripts/ensure-ssh.sh install it)`,
  );
}

/** A program and the shared libraries the dynamic loader gives it, as absolute paths. */
function withLibraries(file: string): string[] {
  let listing = "";
  try {
    listing = execFileSync("ldd", [file], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return [file]; // statically linked
  }
  const libraries = [...listing.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((match) => match[1]!);
  return [file, ...libraries];
}

/** The root filesystem image: the programs under the paths they are found at, plus empty dirs. */
async function importRootfs(outer: Engine, tag: string): Promise<void> {
  const files = new Set<string>();
  const programs: Record<string, string> = {};
  for (const program of PROGRAMS) {
    const found = which(program);
    programs[program] = found;
    for (const file of withLibraries(found)) files.add(file);
  }
  const pack = tar.pack();
  const directories = [
    "bin",
    "sbin",
    "usr/bin",
    "usr/sbin",
    "lib",
    "lib64",
    "etc/ssh",
    "root/.ssh",
    "tmp",
    "run",
    "var/lib/docker",
    "certs",
  ];
  for (const dir of directories)
    pack.entry({ name: dir, type: "directory", mode: dir === "tmp" ? 0o1777 : 0o755 });
  pack.entry({ name: "var/run", type: "symlink", linkname: "../run" });
  for (const file of files) {
    const content = readFileSync(file);
    pack.entry({ name: file.slice(1), mode: 0o755 }, content);
  }
  // Every program is also reachable where the others expect it.
  for (const [program, found] of Object.entries(programs)) {
    for (const dir of ["usr/bin", "usr/sbin"]) {
      const name = `${dir}/${program}`;
      if (`/${name}` !== found) pack.entry({ name, type: "symlink", linkname: found });
    }
  }
  pack.entry({ name: "bin/sh", type: "symlink", linkname: programs.sh! });
  pack.entry(
    { name: "etc/passwd" },
    "root:x:0:0:root:/root:/bin/sh\nsshd:x:100:65534::/run/sshd:/bin/false\n",
  );
  pack.entry({ name: "etc/group" }, "root:x:0:\nnogroup:x:65534:\n");
  pack.finalize();
  const stream = await outer.call(
    "importing the isolated engine's root filesystem",
    (api) =>
      api.importImage(
        pack as unknown as Readable,
        { repo: tag.split(":")[0], tag: tag.split(":")[1] } as never,
      ) as unknown as Promise<Readable>,
  );
  await new Promise<void>((resolve, reject) => {
    outer.api.modem.followProgress(stream as Readable, (error: Error | null) =>
      error ? reject(error) : resolve(),
    );
  });
}

interface Pem {
  certificate: string;
  key: string;
}

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };

function keyPem(pkcs8: ArrayBuffer): string {
  const body = Buffer.from(pkcs8).toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n");
  return `-----BEGIN PRIVATE KEY-----\n${body}-----END PRIVATE KEY-----\n`;
}

/** A CA, the engine's server certificate for `ip`, and a client certificate, as dockerd --tlsverify wants. */
async function tlsMaterial(ip: string): Promise<{ ca: Pem; server: Pem; client: Pem }> {
  const crypto = webcrypto as never;
  const caKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 86_400_000);
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: "CN=msehome test engine CA",
      serialNumber: "01",
      notBefore,
      notAfter,
      keys: caKeys as never,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ],
    },
    crypto,
  );
  const issue = async (
    serial: string,
    name: string,
    usage: string,
    sans: x509.JsonGeneralName[],
  ): Promise<Pem> => {
    const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
    const certificate = await x509.X509CertificateGenerator.create(
      {
        serialNumber: serial,
        subject: `CN=${name}`,
        issuer: ca.subject,
        notBefore,
        notAfter,
        publicKey: keys.publicKey as never,
        signingKey: caKeys.privateKey as never,
        signingAlgorithm: ALGORITHM,
        extensions: [
          new x509.ExtendedKeyUsageExtension([usage]),
          ...(sans.length > 0 ? [new x509.SubjectAlternativeNameExtension(sans)] : []),
        ],
      },
      crypto,
    );
    return {
      certificate: certificate.toString("pem"),
      key: keyPem(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)),
    };
  };
  return {
    ca: {
      certificate: ca.toString("pem"),
      key: keyPem(await webcrypto.subtle.exportKey("pkcs8", caKeys.privateKey)),
    },
    server: await issue("02", "engine", "1.3.6.1.5.5.7.3.1", [{ type: "ip", value: ip }]),
    client: await issue("03", "operator", "1.3.6.1.5.5.7.3.2", []),
  };
}

/** An OpenSSH key pair made by ssh-keygen: [private key, public key line]. */
function sshKeyPair(dir: string, name: string): [string, string] {
  const file = path.join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", file], { stdio: "ignore" });
  return [readFileSync(file, "utf8"), readFileSync(`${file}.pub`, "utf8").trim()];
}

function entrypoint(bridgeCidr: string): string {
  return `#!/bin/sh
set -e
# On cgroup v2 the engine can only hand controllers to its containers once no process sits in the
# root group: move this shell (and so dockerd) into a leaf first.
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mkdir -p /sys/fs/cgroup/entry
  echo $$ > /sys/fs/cgroup/entry/cgroup.procs
  read -r controllers < /sys/fs/cgroup/cgroup.controllers || true
  for controller in $controllers; do echo "+$controller" > /sys/fs/cgroup/cgroup.subtree_control || true; done
fi
# Docker hands a container without --privileged read-only kernel views: the engine writes cgroups.
while read -r _ target _ options _; do
  case "$target:$options" in
    /sys:ro,* | /sys/fs/cgroup*:ro,*) mount -o remount,bind,rw "$target" 2>/dev/null || mount -o remount,rw "$target" 2>/dev/null || true ;;
  esac
done < /proc/mounts
mkdir -p /run/sshd
/usr/sbin/sshd -f /etc/ssh/sshd_config -E /run/sshd.log
exec dockerd --data-root /var/lib/docker --exec-root /run/docker-exec --pidfile /run/dockerd.pid \\
  -H unix:///run/docker.sock -H tcp://0.0.0.0:2376 \\
  --tlsverify --tlscacert /certs/ca.pem --tlscert /certs/server-cert.pem --tlskey /certs/server-key.pem \\
  --iptables=false --ip6tables=false --bip ${bridgeCidr}
`;
}

const SSHD_CONFIG = `Port 22
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
AuthorizedKeysFile .ssh/authorized_keys
PidFile /run/sshd.pid
`;

/**
 * Starts the isolated engine in the test engine and waits until it answers over TLS. `work` is
 * a directory of the test's for the client's TLS files and SSH home.
 */
export async function startEngineMachine(outer: Engine, work: string, name: string): Promise<EngineMachine> {
  // Subnets apart from those other engines on the machine use (172.17/16, 172.30/16).
  const n = 16 + Math.floor(Math.random() * 200);
  const subnet = `10.212.${n}.0/24`;
  const address = `10.212.${n}.2`;
  const image = `msehome-test/isolated-engine:${name}`;
  let containerId: string | undefined;
  let networkId: string | undefined;

  const remove = async (): Promise<void> => {
    if (containerId)
      await outer
        .call("removing the isolated engine", (api) =>
          api.getContainer(containerId!).remove({ force: true, v: true }),
        )
        .catch(() => undefined);
    if (networkId)
      await outer
        .call("removing its network", (api) => api.getNetwork(networkId!).remove())
        .catch(() => undefined);
    await outer
      .call("removing its image", (api) => api.getImage(image).remove({ force: true }))
      .catch(() => undefined);
  };

  try {
    await importRootfs(outer, image);
    const network = await outer.call("creating the isolated engine's network", (api) =>
      api.createNetwork({ Name: name, Driver: "bridge", IPAM: { Config: [{ Subnet: subnet }] } }),
    );
    networkId = network.id;
    const container = await outer.call("creating the isolated engine", (api) =>
      api.createContainer({
        name,
        Image: image,
        Entrypoint: ["/bin/sh", "/entrypoint.sh"],
        Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        HostConfig: {
          CapAdd: ["ALL"],
          CapDrop: missingCapabilities(),
          SecurityOpt: ["apparmor=unconfined", "seccomp=unconfined", "label=disable"],
          // What `--security-opt systempaths=unconfined` sends: /proc unmasked and writable.
          MaskedPaths: [],
          ReadonlyPaths: [],
          ...({ CgroupnsMode: "private" } as object),
          DeviceCgroupRules: ["c *:* rmw", "b *:* rmw"],
          NetworkMode: name,
        },
        // The engine's own data root, on an anonymous volume removed with the container.
        Volumes: { "/var/lib/docker": {} },
        NetworkingConfig: { EndpointsConfig: { [name]: { IPAMConfig: { IPv4Address: address } } } },
      }),
    );
    containerId = container.id;

    const tls = await tlsMaterial(address);
    const keys = path.join(work, "keys");
    mkdirSync(keys, { recursive: true });
    const [hostKey, hostPublic] = sshKeyPair(keys, "host");
    const [clientKey, clientPublic] = sshKeyPair(keys, "client");

    const files = tar.pack();
    const add = (name: string, content: string, mode = 0o644): void =>
      void files.entry({ name, mode }, content);
    add("entrypoint.sh", entrypoint(`10.213.${n}.1/24`), 0o755);
    add("etc/ssh/sshd_config", SSHD_CONFIG);
    add("etc/ssh/ssh_host_ed25519_key", hostKey, 0o600);
    add("root/.ssh/authorized_keys", `${clientPublic}\n`, 0o600);
    add("certs/ca.pem", tls.ca.certificate);
    add("certs/server-cert.pem", tls.server.certificate);
    add("certs/server-key.pem", tls.server.key, 0o600);
    files.finalize();
    await outer.call("copying the isolated engine's keys", (api) =>
      api.getContainer(containerId!).putArchive(files as unknown as Readable, { path: "/" }),
    );
    await outer.call("starting the isolated engine", (api) => api.getContainer(containerId!).start());

    const tlsDir = path.join(work, "tls");
    mkdirSync(tlsDir, { recursive: true });
    writeFileSync(path.join(tlsDir, "ca.pem"), tls.ca.certificate);
    writeFileSync(path.join(tlsDir, "cert.pem"), tls.client.certificate);
    writeFileSync(path.join(tlsDir, "key.pem"), tls.client.key, { mode: 0o600 });
    const sshHome = path.join(work, "ssh-home");
    mkdirSync(path.join(sshHome, ".ssh"), { recursive: true, mode: 0o700 });
    writeFileSync(path.join(sshHome, ".ssh", "id_ed25519"), clientKey, { mode: 0o600 });
    writeFileSync(
      path.join(sshHome, ".ssh", "known_hosts"),
      `${address} ${hostPublic.split(" ").slice(0, 2).join(" ")}\n`,
    );

    const tlsEnv = { DOCKER_HOST: `tcp://${address}:2376`, DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: tlsDir };
    const sshEnv = { DOCKER_HOST: `ssh://root@${address}`, HOME: sshHome, SSH_AUTH_SOCK: "" };

    const logs = async (): Promise<string> => {
      const output = await outer
        .call("reading the isolated engine's logs", (api) =>
          api.getContainer(containerId!).logs({ stdout: true, stderr: true, tail: 60 }),
        )
        .catch((error: unknown) => Buffer.from(String(error)));
      return Buffer.from(output as unknown as Buffer).toString("utf8");
    };

    const inner = new DockerEngine(endpointFromEnvironment(tlsEnv));
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      try {
        await inner.ping(3_000);
        break;
      } catch (error) {
        const state = await outer.call("inspecting the isolated engine", (api) =>
          api.getContainer(containerId!).inspect(),
        );
        if (!state.State.Running || Date.now() > deadline) {
          throw new Error(
            `the isolated engine did not answer (${(error as Error).message}):\n${await logs()}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }

    const hasFile = async (file: string): Promise<boolean> => {
      const exec = await outer.call("checking a file on the isolated engine's machine", (api) =>
        api
          .getContainer(containerId!)
          .exec({ Cmd: ["/bin/sh", "-c", 'test -e "$0"', file], AttachStdout: true, AttachStderr: true }),
      );
      const stream = await exec.start({});
      stream.resume();
      await new Promise((resolve) => stream.once("end", resolve));
      const { ExitCode } = await exec.inspect();
      return ExitCode === 0;
    };

    return { address, tlsEnv, sshEnv, tlsDir, hasFile, logs, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

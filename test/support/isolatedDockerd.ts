// A Docker engine of a test's own, to stop and start under a running command without disturbing
// any other test: its own data root, exec root (and so its own containerd), pid file, socket and
// bridge (10.213.N.0/24, outside the subnets other engines here use). Needs root, dockerd and ip, as
// CI has them (scripts/ensure-docker.sh). It never touches netfilter (--iptables=false): the suite's
// engine owns the DOCKER chains, and published ports go through docker-proxy.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { DockerEngine } from "../../src/docker/engine.js";

const run = promisify(execFile);

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 60_000;

export interface IsolatedDockerd {
  /** `unix://…`, for DOCKER_HOST. */
  host: string;
  engine(): DockerEngine;
  /** Stops the engine as a service stop does (SIGTERM: its containers stop too), bounded. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its bridge and directories. */
  remove(): Promise<void>;
}

/** A /24 of 10.213.0.0/16 no interface of this machine has. */
async function freeSubnet(): Promise<number> {
  const { stdout } = await run("ip", ["-4", "-o", "addr"]);
  for (let attempt = 0; attempt < 200; attempt++) {
    const n = 10 + ((process.pid + attempt * 37) % 240);
    if (!stdout.includes(` 10.213.${n}.`)) return n;
  }
  throw new Error("no free 10.213.N.0/24 subnet for the test engine");
}

export async function startIsolatedDockerd(): Promise<IsolatedDockerd> {
  // Short: a unix socket path has at most 107 bytes.
  const root = await mkdtemp("/tmp/msehome-dockerd-");
  const n = await freeSubnet();
  const bridge = `mseengine${n}`;
  const socket = path.join(root, "docker.sock");
  const host = `unix://${socket}`;
  const log = createWriteStream(path.join(root, "dockerd.log"), { flags: "a" });
  await run("ip", ["link", "add", "name", bridge, "type", "bridge"]);
  await run("ip", ["addr", "add", `10.213.${n}.1/24`, "dev", bridge]);
  await run("ip", ["link", "set", bridge, "up"]);

  let daemon: ChildProcess | undefined;
  const engine = (): DockerEngine => DockerEngine.fromEnvironment({ DOCKER_HOST: host });

  async function answers(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (daemon?.exitCode !== null) return false;
      try {
        await engine().ping(2_000);
        return true;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    return false;
  }

  async function launch(): Promise<boolean> {
    const args = [
      "--data-root",
      path.join(root, "data"),
      "--exec-root",
      path.join(root, "exec"),
      "--pidfile",
      path.join(root, "dockerd.pid"),
      "-H",
      host,
      "--bridge",
      bridge,
      "--iptables=false",
      "--ip6tables=false",
    ];
    daemon = spawn("dockerd", args, { stdio: ["ignore", "pipe", "pipe"] });
    daemon.stdout!.pipe(log, { end: false });
    daemon.stderr!.pipe(log, { end: false });
    return answers(START_TIMEOUT_MS);
  }

  async function stop(): Promise<void> {
    const current = daemon;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = once(current, "exit");
    current.kill("SIGTERM");
    const timer = setTimeout(() => current.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  async function start(): Promise<void> {
    if (await launch()) return;
    await stop();
    throw new Error(
      `the test's dockerd did not answer within ${START_TIMEOUT_MS} ms; see ${root}/dockerd.log`,
    );
  }

  const remove = async (): Promise<void> => {
    await stop();
    await run("ip", ["link", "delete", bridge]).catch(() => undefined);
    // A layer the engine still had mounted when it stopped (a build's) would keep the data root busy.
    const mounts = (await readFile("/proc/mounts", "utf8"))
      .split("\n")
      .map((line) => line.split(" ")[1] ?? "")
      .filter((target) => target.startsWith(`${root}/`))
      .sort((a, b) => b.length - a.length);
    for (const target of mounts) await run("umount", ["-l", target]).catch(() => undefined);
    log.end();
    await rm(root, { recursive: true, force: true }).catch(() => undefined);
  };

  try {
    await start();
  } catch (error) {
    await remove();
    throw error;
  }
  return { host, engine, stop, start, remove };
}

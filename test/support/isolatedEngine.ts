// A Docker engine of the test's own, which the test may stop and start again: a second dockerd (as
// scripts/ensure-docker.sh starts one, as root) with its own data root, exec root, pid file, socket
// and bridge under a temporary directory, on a subnet of 10.213.0.0/16 no other engine here uses,
// without iptables (published ports go through docker-proxy). The engine the rest of the suite uses
// is never touched. Stopping it removes its containers' state, its bridge and its directory.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { openSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DockerEngine } from "../../src/docker/engine.js";

export interface IsolatedEngine {
  /** DOCKER_HOST for the CLI. */
  dockerHost: string;
  engine: DockerEngine;
  /** Stops dockerd as a host shutdown would (SIGTERM, its containers stopped by it) and starts it again. */
  restart(): Promise<void>;
  /** Stops dockerd and removes its bridge and its directory. */
  stop(): Promise<void>;
}

/** Why this machine cannot run an engine of the test's own, or undefined. */
export function isolatedEngineProblem(): string | undefined {
  if (process.getuid?.() !== 0) return "starting a second dockerd needs root";
  for (const tool of ["dockerd", "ip"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      return `${tool} is not installed`;
    }
  }
  return undefined;
}

/** A /24 of 10.213.0.0/16 that no interface of this machine has. */
function freeSubnet(): number {
  const used = execFileSync("ip", ["-4", "-o", "addr"], { encoding: "utf8" });
  for (let attempt = 0; attempt < 100; attempt++) {
    const n = 1 + Math.floor(Math.random() * 253);
    if (!used.includes(`10.213.${n}.`)) return n;
  }
  throw new Error("no free 10.213.N.0/24 subnet for the test engine");
}

async function answers(engine: DockerEngine, timeoutMs: number, daemon: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (daemon.exitCode !== null) throw new Error(`dockerd exited with code ${daemon.exitCode}`);
    try {
      await engine.ping(2_000);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error("the test engine did not answer", { cause: error });
      await sleep(250);
    }
  }
}

export async function startIsolatedEngine(): Promise<IsolatedEngine> {
  const problem = isolatedEngineProblem();
  if (problem) throw new Error(`cannot start a Docker engine for this test: ${problem}`);
  // Short paths: containerd's sockets live under the exec root (108 bytes at most for a socket).
  const dir = await mkdtemp(path.join(tmpdir(), "mse-engine-"));
  const subnet = freeSubnet();
  const bridge = `mse-t${path
    .basename(dir)
    .slice(-6)
    .replace(/[^a-zA-Z0-9]/g, "x")}`;
  execFileSync("ip", ["link", "add", bridge, "type", "bridge"]);
  execFileSync("ip", ["addr", "add", `10.213.${subnet}.1/24`, "dev", bridge]);
  execFileSync("ip", ["link", "set", bridge, "up"]);
  const socket = path.join(dir, "docker.sock");
  const dockerHost = `unix://${socket}`;
  const engine = DockerEngine.fromEnvironment({ DOCKER_HOST: dockerHost });
  const args = [
    "--data-root",
    path.join(dir, "data"),
    "--exec-root",
    path.join(dir, "exec"),
    "--pidfile",
    path.join(dir, "dockerd.pid"),
    "-H",
    dockerHost,
    "--bridge",
    bridge,
    "--iptables=false",
    "--ip6tables=false",
  ];
  let daemon: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const log = openSync(path.join(dir, "dockerd.log"), "a");
    daemon = spawn("dockerd", args, {
      stdio: ["ignore", log, log],
      env: { ...process.env, DOCKER_HOST: "" },
    });
    closeSync(log);
    await answers(engine, 60_000, daemon);
  };
  const halt = async (): Promise<void> => {
    const running = daemon;
    if (!running || running.exitCode !== null) return;
    const exited = once(running, "exit");
    running.kill("SIGTERM");
    const timer = setTimeout(() => running.kill("SIGKILL"), 60_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await start();
  } catch (error) {
    await halt();
    execFileSync("ip", ["link", "delete", bridge]);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dockerHost,
    engine,
    restart: async () => {
      await halt();
      await start();
    },
    stop: async () => {
      await halt();
      try {
        execFileSync("ip", ["link", "delete", bridge], { stdio: "ignore" });
      } catch {
        // Already gone.
      }
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

// What a container is given: bind mounts of host paths, volumes, tmpfs mounts, devices and a published
// port, in the Engine API's shape, with the checks that keep the engine from misreading them.
import { ContainerSpecError } from "./errors.js";

export interface BindMount {
  /** Absolute path on the Docker host; it must exist (the engine refuses, rather than creating it). */
  source: string;
  target: string;
  readOnly: boolean;
}

/** A named volume. */
export interface VolumeMount {
  volume: string;
  target: string;
  readOnly: boolean;
}

export type Mount = BindMount | VolumeMount;

/** An in-memory filesystem, empty at each start of the container. */
export interface TmpfsMount {
  target: string;
  mode: number;
  /** Files may be mapped executable (native addons); off by default, as Docker has it. */
  exec?: boolean;
}

export interface DeviceMapping {
  pathOnHost: string;
  pathInContainer: string;
}

export function dockerMounts(mounts: readonly Mount[]): {
  Type: "bind" | "volume";
  Source: string;
  Target: string;
  ReadOnly: boolean;
}[] {
  return mounts.map((m) =>
    "volume" in m
      ? { Type: "volume", Source: m.volume, Target: m.target, ReadOnly: m.readOnly }
      : { Type: "bind", Source: m.source, Target: m.target, ReadOnly: m.readOnly },
  );
}

/** HostConfig.Tmpfs: each target with its mount options. */
export function dockerTmpfs(mounts: readonly TmpfsMount[]): Record<string, string> {
  return Object.fromEntries(
    mounts.map((m) => [
      m.target,
      `rw,${m.exec ? "exec" : "noexec"},nosuid,nodev,mode=${m.mode.toString(8).padStart(4, "0")}`,
    ]),
  );
}

export function dockerDevices(
  devices: readonly DeviceMapping[],
): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[] {
  return devices.map((d) => ({
    PathOnHost: d.pathOnHost,
    PathInContainer: d.pathInContainer,
    CgroupPermissions: "rwm",
  }));
}

export function dockerEnv(env: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(env ?? {}).map(([key, value]) => `${key}=${value}`);
}

/** Host paths must be absolute: the engine would read a relative one as a volume name. */
export function checkHostPath(what: string, value: string | undefined): void {
  if (value !== undefined && !value.startsWith("/")) {
    throw new ContainerSpecError(`the ${what} must be an absolute path, not "${value}"`);
  }
}

export function checkHostPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ContainerSpecError(`port ${port} is not between 1 and 65535`);
  }
}

/** The create body's parts publishing the container's `containerPort`/tcp on `hostIp:hostPort`. */
export function dockerPortBinding(
  containerPort: number,
  hostIp: string,
  hostPort: number,
): {
  ExposedPorts: Record<string, object>;
  PortBindings: Record<string, { HostIp: string; HostPort: string }[]>;
} {
  const key = `${containerPort}/tcp`;
  return {
    ExposedPorts: { [key]: {} },
    PortBindings: { [key]: [{ HostIp: hostIp, HostPort: String(hostPort) }] },
  };
}

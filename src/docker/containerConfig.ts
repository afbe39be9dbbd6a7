// The host resources a container is given: bind mounts, devices and a published port, in the Engine
// API's shape, with the checks that keep the engine from misreading them.
import { ContainerSpecError } from "./errors.js";

export interface BindMount {
  /** Absolute path on the Docker host; it must exist (the engine refuses, rather than creating it). */
  source: string;
  target: string;
  readOnly: boolean;
}

export interface DeviceMapping {
  pathOnHost: string;
  pathInContainer: string;
}

export function dockerMounts(mounts: readonly BindMount[]): {
  Type: "bind";
  Source: string;
  Target: string;
  ReadOnly: boolean;
}[] {
  return mounts.map((m) => ({ Type: "bind", Source: m.source, Target: m.target, ReadOnly: m.readOnly }));
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

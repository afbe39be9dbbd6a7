// The host resources a container is given: bind mounts and devices, in the Engine API's shape.

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

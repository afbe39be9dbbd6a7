// An app container's restart policy, with Docker's meaning and spelling: `no`, `on-failure[:N]`
// (restart after a non-zero exit, at most N times when N is given), `unless-stopped` (always, unless
// stopped by the operator: then not even when the engine restarts) and `always` (also brought back
// when the engine restarts after the operator stopped it).
export type RestartPolicyName = "no" | "on-failure" | "unless-stopped" | "always";

export interface RestartPolicy {
  name: RestartPolicyName;
  /** With on-failure only: the most restarts Docker attempts (absent: no limit). */
  maximumRetryCount?: number;
}

/** Apps survive reboots and crashes unless asked otherwise. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = { name: "unless-stopped" };

export const RESTART_POLICY_EXPECTATION = "no, on-failure[:N] (N a whole number), unless-stopped or always";

/** A restart policy that cannot be read; a usage error. */
export class RestartPolicyError extends Error {
  override name = "RestartPolicyError";
  readonly exitCode = 2;
}

/** Reads `no`, `on-failure`, `on-failure:N`, `unless-stopped` or `always`, as `docker run --restart` does. */
export function parseRestartPolicy(text: string): RestartPolicy {
  const match = /^(no|on-failure|unless-stopped|always)(?::([0-9]{1,9}))?$/.exec(text);
  if (!match) {
    throw new RestartPolicyError(`invalid restart policy "${text}": expected ${RESTART_POLICY_EXPECTATION}`);
  }
  const name = match[1] as RestartPolicyName;
  if (match[2] === undefined) return { name };
  if (name !== "on-failure") {
    throw new RestartPolicyError(
      `invalid restart policy "${text}": only on-failure takes a maximum retry count`,
    );
  }
  const maximumRetryCount = Number(match[2]);
  // Docker reads on-failure:0 as "no limit"; written plainly, it says what it means.
  return maximumRetryCount === 0 ? { name } : { name, maximumRetryCount };
}

/** The policy as `--restart` and `docker inspect` write it (`on-failure:5`). */
export function formatRestartPolicy(policy: RestartPolicy): string {
  return policy.maximumRetryCount === undefined ? policy.name : `${policy.name}:${policy.maximumRetryCount}`;
}

/** The Engine API's HostConfig.RestartPolicy. */
export function dockerRestartPolicy(policy: RestartPolicy): { Name: string; MaximumRetryCount: number } {
  return { Name: policy.name, MaximumRetryCount: policy.maximumRetryCount ?? 0 };
}

/**
 * The policy from the Engine API's HostConfig.RestartPolicy; an empty or absent name is Docker's
 * default, `no` (so are containers created before msehome set one).
 */
export function restartPolicyFromDocker(
  value: { Name?: string | undefined; MaximumRetryCount?: number | undefined } | null | undefined,
): RestartPolicy {
  const name = value?.Name ?? "";
  if (name === "" || name === "no") return { name: "no" };
  if (name === "always" || name === "unless-stopped") return { name };
  if (name === "on-failure") {
    const count = value?.MaximumRetryCount ?? 0;
    return count > 0 ? { name, maximumRetryCount: count } : { name };
  }
  // A policy a newer engine invented: shown as it is named, acted on as Docker acts on it.
  return { name: name as RestartPolicyName };
}

import { describe, expect, it } from "vitest";
import {
  DEFAULT_RESTART_POLICY,
  dockerRestartPolicy,
  formatRestartPolicy,
  parseRestartPolicy,
  RestartPolicyError,
  restartPolicyFromDocker,
} from "./restartPolicy.js";

describe("restart policy", () => {
  it.each([
    ["no", { name: "no" }],
    ["always", { name: "always" }],
    ["unless-stopped", { name: "unless-stopped" }],
    ["on-failure", { name: "on-failure" }],
    ["on-failure:5", { name: "on-failure", maximumRetryCount: 5 }],
    ["on-failure:0", { name: "on-failure" }],
  ])("reads %s with Docker's meaning", (text, policy) => {
    expect(parseRestartPolicy(text)).toEqual(policy);
  });

  it("writes what it reads, and the engine's form round-trips", () => {
    for (const text of ["no", "always", "unless-stopped", "on-failure", "on-failure:3"]) {
      const policy = parseRestartPolicy(text);
      expect(formatRestartPolicy(policy)).toBe(text);
      expect(restartPolicyFromDocker(dockerRestartPolicy(policy))).toEqual(policy);
    }
    expect(dockerRestartPolicy({ name: "on-failure", maximumRetryCount: 3 })).toEqual({
      Name: "on-failure",
      MaximumRetryCount: 3,
    });
  });

  it("defaults to unless-stopped; a container without a policy has Docker's default, no", () => {
    expect(formatRestartPolicy(DEFAULT_RESTART_POLICY)).toBe("unless-stopped");
    expect(restartPolicyFromDocker(undefined)).toEqual({ name: "no" });
    expect(restartPolicyFromDocker({ Name: "", MaximumRetryCount: 0 })).toEqual({ name: "no" });
  });

  it.each([
    ["sometimes", /invalid restart policy "sometimes": expected no, on-failure\[:N\]/],
    ["always:3", /only on-failure takes a maximum retry count/],
    ["on-failure:-1", /invalid restart policy "on-failure:-1"/],
    ["on-failure:x", /invalid restart policy/],
    ["Always", /invalid restart policy/],
    ["", /invalid restart policy ""/],
  ])("refuses %j with one sentence and exit code 2", (text, message) => {
    try {
      parseRestartPolicy(text);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RestartPolicyError);
      expect((error as RestartPolicyError).message).toMatch(message);
      expect((error as RestartPolicyError).exitCode).toBe(2);
    }
  });
});

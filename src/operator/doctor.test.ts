// doctor when DOCKER_HOST names a remote engine that does not answer: the platform that counts is
// that engine's machine's, so it says it could not look at it rather than checking this machine.
import { afterEach, describe, expect, it, vi } from "vitest";
import { connectDocker } from "../docker/engine.js";
import { runDoctor } from "./doctor.js";

describe("doctor with a remote engine that does not answer", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("names the engine's machine and checks nothing of this one", async () => {
    vi.stubEnv("DOCKER_HOST", "tcp://127.0.0.1:1");
    const report = await runDoctor({ connect: () => connectDocker(), pccsUrl: "https://127.0.0.1:1" });
    expect(report.machine).toBe("the Docker engine's machine (tcp://127.0.0.1:1)");
    expect(report.ready).toBe(false);
    expect(report.checks.map((check) => [check.id, check.ok])).toEqual([
      ["platform.probe", false],
      ["docker", false],
      ["image.sgx", false],
      ["disk", expect.any(Boolean)],
    ]);
    expect(report.checks[0]).toMatchObject({
      title: "SGX platform of the Docker engine's machine (tcp://127.0.0.1:1)",
      detail: "not checked: its Docker engine does not answer",
    });
  });
});

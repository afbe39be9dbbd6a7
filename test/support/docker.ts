// Docker availability for e2e tests: with CI=true an unreachable engine fails the run; locally
// the Docker suites skip, announced by one loud line.
import Docker from "dockerode";

export interface DockerEngine {
  available: boolean;
  docker: Docker;
}

let cached: Promise<DockerEngine> | undefined;

/** Pings the engine (DOCKER_HOST honoured) once per test file. */
export function dockerEngine(): Promise<DockerEngine> {
  cached ??= (async () => {
    const docker = new Docker();
    try {
      await docker.ping();
      return { available: true, docker };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (process.env.CI === "true") {
        throw new Error(`CI runs the Docker tests, but no Docker engine answers (${reason})`);
      }
      process.stderr.write(`\n!!! NO DOCKER ENGINE (${reason}): Docker e2e tests are SKIPPED !!!\n\n`);
      return { available: false, docker };
    }
  })();
  return cached;
}

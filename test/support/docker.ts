// Docker test support: the availability guard (CI requires an engine; elsewhere Docker tests skip with one
// loud line), the test engine, and small waits and reads over real containers.
import { openSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "vitest";
import { appContainerOf, removeAppContainer } from "../../src/docker/appContainer.js";
import { removeVolumes, VOLUME_APP_LABEL } from "../../src/docker/appFilesystem.js";
import { findContainer, removeContainer } from "../../src/docker/container.js";
import { containerLogs } from "../../src/docker/containerLogs.js";
import { DockerEngine } from "../../src/docker/engine.js";
import { listVolumesByLabel } from "../../src/docker/volumes.js";

interface Probe {
  engine: DockerEngine | undefined;
  reason: string;
}

async function probe(): Promise<Probe> {
  try {
    const engine = DockerEngine.fromEnvironment();
    await engine.ping(5_000);
    return { engine, reason: "" };
  } catch (error) {
    return { engine: undefined, reason: (error as Error).message };
  }
}

const found = await probe();
const required = process.env.CI === "true";

/** Prints the skip notice once per test run, however many test files skip. */
function announceSkip(reason: string): void {
  const marker = path.join(tmpdir(), `msehome-docker-skip-${process.ppid}`);
  try {
    closeSync(openSync(marker, "wx"));
  } catch {
    return;
  }
  process.stderr.write(`\n!!! DOCKER TESTS SKIPPED: ${reason} (set CI=true to make this a failure) !!!\n\n`);
}

/** The engine the Docker tests run against (only call inside describeDocker). */
export function testEngine(): DockerEngine {
  if (!found.engine) throw new Error(`no Docker engine: ${found.reason}`);
  return found.engine;
}

/**
 * A describe block that needs a Docker engine. Without one it fails under CI=true and is skipped
 * (with one loud line) otherwise.
 */
export function describeDocker(name: string, body: () => void): void {
  if (found.engine) {
    describe(name, body);
  } else if (required) {
    describe(name, () => {
      it("needs a Docker engine (CI=true)", () => {
        throw new Error(`CI=true but no Docker engine answers: ${found.reason}`);
      });
    });
  } else {
    announceSkip(found.reason);
    describe.skipIf(true)(name, body);
  }
}

/** Polls `http://127.0.0.1:<port><path>` until it answers, for at most `timeoutMs`. */
export async function waitForHttp(port: number, urlPath = "/", timeoutMs = 15_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(`http://127.0.0.1:${port}${urlPath}`, { signal: AbortSignal.timeout(2_000) });
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`nothing answered on 127.0.0.1:${port} within ${timeoutMs} ms`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** All of a container's output so far, stdout and stderr apart. */
export async function collectLogs(id: string): Promise<{ stdout: string; stderr: string }> {
  const out = { stdout: "", stderr: "" };
  for await (const chunk of containerLogs(testEngine(), id)) out[chunk.stream] += chunk.data.toString();
  return out;
}

/** Removes an app by name, with whatever volumes carry its name (test cleanup; never fails). */
export async function removeAppNamed(name: string): Promise<void> {
  const engine = testEngine();
  const container = await findContainer(engine, name).catch(() => undefined);
  if (container) {
    try {
      await removeAppContainer(engine, appContainerOf(container));
    } catch {
      await removeContainer(engine, container.id, { force: true, ignoreMissing: true }).catch(
        () => undefined,
      );
    }
  }
  const volumes = await listVolumesByLabel(engine, { [VOLUME_APP_LABEL]: name }).catch(() => []);
  await removeVolumes(engine, volumes).catch(() => undefined);
}

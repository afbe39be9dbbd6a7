// One-shot containers: exit code and the two output streams come back, and the container is always gone.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeDocker, testEngine } from "../../test/support/docker.js";
import { uniqueName } from "../../test/support/unique.js";
import { importNodeImage, removeImageTree } from "../../test/support/testImage.js";
import { listContainersByLabel } from "./container.js";
import { ContainerTimeoutError } from "./errors.js";
import { runOneShotContainer } from "./oneShotContainer.js";

const tag = `msehome-test/${uniqueName("oneshot")}:1`;
const marker = uniqueName("run");
let imageId = "";

function node(script: string): string[] {
  return ["/usr/bin/node", "-e", script];
}

describeDocker("one-shot containers", () => {
  beforeAll(async () => {
    imageId = await importNodeImage(testEngine(), tag);
  });

  afterAll(async () => {
    await removeImageTree(testEngine(), imageId);
  });

  it("returns the exit code with stdout and stderr kept apart", async () => {
    const result = await runOneShotContainer(testEngine(), {
      image: tag,
      entrypoint: node(
        "console.log('to stdout'); console.error('to stderr'); console.log(process.env.GREETING); process.exit(4)",
      ),
      env: { GREETING: "hi" },
      labels: { "msehome.test": marker },
    });
    expect(result).toEqual({
      exitCode: 4,
      stdout: "to stdout\nhi\n",
      stderr: "to stderr\n",
      truncated: false,
    });
    expect(await listContainersByLabel(testEngine(), { "msehome.test": marker })).toEqual([]);
  });

  it("runs the image's own entrypoint with the given arguments", async () => {
    const result = await runOneShotContainer(testEngine(), {
      image: tag,
      command: [
        "--size",
        "1024M",
        "--san",
        "h",
        "--id",
        "i",
        "--application",
        "a:b",
        "--expiration",
        "9",
        "--dry-run",
      ],
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^Measurement:\n {4}[0-9a-f]{64}$/m);
  });

  it("keeps output within its limit and says it cut", async () => {
    const result = await runOneShotContainer(testEngine(), {
      image: tag,
      entrypoint: node("process.stdout.write('x'.repeat(100000))"),
      maxOutputBytes: 1000,
    });
    expect(result.stdout).toBe("x".repeat(1000));
    expect(result.truncated).toBe(true);
  });

  it("kills and removes a container that outlives its time limit", async () => {
    const failure = await runOneShotContainer(testEngine(), {
      image: tag,
      entrypoint: node("setTimeout(() => {}, 60000)"),
      labels: { "msehome.test": marker },
      timeoutMs: 1500,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ContainerTimeoutError);
    expect((failure as Error).message).toBe(
      `the container from image ${tag} did not finish within 1.5 s and was removed`,
    );
    expect(await listContainersByLabel(testEngine(), { "msehome.test": marker })).toEqual([]);
  });
});

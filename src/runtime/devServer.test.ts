import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import { startDevServer, type DevServer } from "./devServer.js";

const dir = tempDirPerTest("dev");
let dev: DevServer | undefined;
const io = { log: () => {}, untilStopped: () => new Promise<void>(() => {}) };

beforeEach(async () => {
  await writeFile(path.join(dir(), "secrets.json"), '{"k":"v"}');
  await writeFile(
    path.join(dir(), "app.mjs"),
    `import { readFileSync } from "node:fs";
     export const app = { fetch: () => new Response(readFileSync(process.env.SECRETS_PATH, "utf8")) };`,
  );
});

afterEach(async () => {
  await new Promise<void>((resolve) => (dev ? dev.server.close(() => resolve()) : resolve()));
  dev = undefined;
  delete process.env.SECRETS_PATH;
});

describe("msehome-dev", () => {
  it("serves the app over plain HTTP with the secrets file it is pointed at", async () => {
    process.env.SECRETS_PATH = path.join(dir(), "secrets.json");
    dev = await startDevServer(
      ["--application", "app.mjs:app", "--code", dir(), "--port", "0", "--host", "127.0.0.1"],
      io,
    );
    expect(await (await fetch(`http://127.0.0.1:${dev.port}/`)).text()).toBe('{"k":"v"}');
  });

  it.each([
    [[], /--application is required/],
    [["--application", "a.mjs", "--port", "x"], /--port must be a TCP port/],
    [["--application", "a.mjs", "--bogus"], /Unknown option '--bogus'/],
  ])("refuses %j as a usage error", async (argv, message) => {
    await expect(startDevServer(argv, io)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(message),
    });
  });
});

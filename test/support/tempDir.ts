// A fresh temporary directory for each test: created before the test, removed with everything in
// it afterwards, so no test sees another's files and nothing is left behind.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach } from "vitest";

/**
 * Registers the hooks in the enclosing file or describe block (before that block's own hooks, so
 * its setup can write into the directory and its teardown runs first) and returns the current
 * test's directory, `msehome-<name>-XXXXXX` under the system's temporary directory.
 */
export function tempDirPerTest(name: string): () => string {
  let current: string | undefined;
  beforeEach(async () => {
    current = await mkdtemp(path.join(tmpdir(), `msehome-${name}-`));
  });
  afterEach(async () => {
    if (current) await rm(current, { recursive: true, force: true });
    current = undefined;
  });
  return () => {
    if (current === undefined) throw new Error("the temporary directory exists only while a test runs");
    return current;
  };
}

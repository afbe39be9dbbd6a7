// The spawn output directory: refuses to overwrite, and a rollback removes exactly what spawn wrote.
import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import { checkWorkspace, WorkspaceRollback, workspacePaths } from "./spawnWorkspace.js";

const dir = tempDirPerTest("workspace");

describe("spawn workspace", () => {
  it("accepts a missing or unrelated directory", async () => {
    await expect(checkWorkspace(workspacePaths(path.join(dir(), "new")))).resolves.toBeUndefined();
    await writeFile(path.join(dir(), "notes.txt"), "mine");
    await expect(checkWorkspace(workspacePaths(dir()))).resolves.toBeUndefined();
  });

  it("refuses a directory holding what spawn writes, naming it", async () => {
    await writeFile(path.join(dir(), "evidence.json"), "{}");
    await mkdir(path.join(dir(), "tests"));
    await expect(checkWorkspace(workspacePaths(dir()))).rejects.toThrow(
      `--output ${dir()} already holds evidence.json, tests; spawn each app into a directory of its own`,
    );
  });

  it("lets the operator's own signer key live in the directory", async () => {
    await writeFile(path.join(dir(), "enclave-key.pem"), "key");
    await expect(checkWorkspace(workspacePaths(dir()))).rejects.toThrow(/already holds enclave-key.pem/);
    await expect(
      checkWorkspace(workspacePaths(dir()), path.join(dir(), "enclave-key.pem")),
    ).resolves.toBeUndefined();
  });

  it("refuses a file as the output directory", async () => {
    await writeFile(path.join(dir(), "file"), "x");
    await expect(checkWorkspace(workspacePaths(path.join(dir(), "file")))).rejects.toThrow(
      /is not a directory/,
    );
  });

  it("removes the directory it created", async () => {
    const target = path.join(dir(), "out");
    const rollback = new WorkspaceRollback(workspacePaths(target));
    await rollback.createDirectory();
    await writeFile(path.join(target, "mse.toml"), "x");
    await rollback.undo();
    expect(existsSync(target)).toBe(false);
  });

  it("removes only what it wrote in an existing directory", async () => {
    await writeFile(path.join(dir(), "notes.txt"), "mine");
    const paths = workspacePaths(dir());
    const rollback = new WorkspaceRollback(paths);
    await rollback.createDirectory();
    rollback.wrote(paths.tests);
    await mkdir(paths.tests);
    await writeFile(path.join(paths.tests, "a.test.mjs"), "x");
    rollback.wrote(paths.config);
    await writeFile(paths.config, "x");
    await rollback.undo();
    expect(await readdir(dir())).toEqual(["notes.txt"]);
  });
});

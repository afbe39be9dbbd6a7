import { chmod, lstat, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import { makeCodeReadOnly } from "./enclaveUser.js";

const root = tempDirPerTest("enclave-user");
const mode = async (file: string) => (await lstat(file)).mode & 0o7777;

describe("the code, before the enclave user takes over", () => {
  it("is writable by its owner alone, whatever modes it was unpacked with, and keeps its contents", async () => {
    const code = path.join(root(), "code");
    await mkdir(path.join(code, "lib"), { recursive: true });
    await writeFile(path.join(code, "app.mjs"), "export const app = 1;\n");
    await writeFile(path.join(code, "lib", "tool.sh"), "#!/bin/sh\n");
    await writeFile(path.join(code, "lib", "data.json"), "{}");
    await symlink("app.mjs", path.join(code, "alias.mjs"));
    await chmod(path.join(code, "lib"), 0o1777);
    await chmod(path.join(code, "lib", "tool.sh"), 0o6777);
    await chmod(path.join(code, "lib", "data.json"), 0o666);
    await chmod(code, 0o777);

    await makeCodeReadOnly(code);

    expect(await mode(code)).toBe(0o755);
    expect(await mode(path.join(code, "lib"))).toBe(0o755);
    expect(await mode(path.join(code, "lib", "tool.sh"))).toBe(0o755);
    expect(await mode(path.join(code, "lib", "data.json"))).toBe(0o644);
    expect(await mode(path.join(code, "app.mjs"))).toBe(0o644);
    expect((await lstat(path.join(code, "alias.mjs"))).isSymbolicLink()).toBe(true);
    expect(await readFile(path.join(code, "app.mjs"), "utf8")).toBe("export const app = 1;\n");
  });
});

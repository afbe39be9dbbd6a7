// The build context honours .dockerignore as the Docker CLI does and always carries the Dockerfile.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { type TarMember, tarContents } from "../../test/support/tarContents.js";
import { BuildContextError, createBuildContext } from "./buildContext.js";

const scratch = mkdtempSync(path.join(tmpdir(), "msehome-context-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function tree(root: string, files: Record<string, string>): string {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), content);
  }
  return root;
}

async function entries(
  stream: Readable,
): Promise<Map<string, Omit<TarMember, "content"> & { content: string }>> {
  const found = new Map<string, Omit<TarMember, "content"> & { content: string }>();
  for (const [name, member] of await tarContents(stream)) {
    found.set(name.replace(/\/$/, ""), { ...member, content: member.content.toString() });
  }
  return found;
}

describe("build context", () => {
  it("leaves out what .dockerignore excludes and keeps its exceptions", async () => {
    const root = tree(mkdtempSync(path.join(scratch, "ctx-")), {
      Dockerfile: "FROM scratch\n",
      ".dockerignore":
        "# comments are ignored\n*.log\n!keep.log\nnode_modules\nsecret/\nbuild/**/tmp\n/Dockerfile\n",
      "app.mjs": "export default 1;\n",
      "debug.log": "noise",
      "keep.log": "wanted",
      "node_modules/pkg/index.js": "module",
      "secret/key.pem": "KEY",
      "build/a/b/tmp": "temporary",
      "build/a/b/out.js": "output",
      "sub/nested.log": "nested logs are not matched by *.log",
    });
    const context = await createBuildContext(root, "Dockerfile");
    const found = await entries(context.stream);
    expect(context.dockerfile).toBe("Dockerfile");
    expect([...found.keys()].filter((name) => found.get(name)!.type === "file").sort()).toEqual([
      ".dockerignore",
      "Dockerfile",
      "app.mjs",
      "build/a/b/out.js",
      "keep.log",
      "sub/nested.log",
    ]);
    expect(found.get("app.mjs")!.content).toBe("export default 1;\n");
  });

  it("skips an excluded directory entirely when no exception could re-include anything", async () => {
    const root = tree(mkdtempSync(path.join(scratch, "ctx-")), {
      Dockerfile: "FROM scratch\n",
      ".dockerignore": "cache\n",
      "cache/a/b/c.bin": "x",
      "main.js": "1",
    });
    const found = await entries((await createBuildContext(root, "Dockerfile")).stream);
    expect([...found.keys()].sort()).toEqual([".dockerignore", "Dockerfile", "main.js"]);
  });

  it("sends symbolic links as links", async () => {
    const root = tree(mkdtempSync(path.join(scratch, "ctx-")), {
      Dockerfile: "FROM scratch\n",
      "target.txt": "t",
    });
    symlinkSync("target.txt", path.join(root, "link.txt"));
    const found = await entries((await createBuildContext(root, "Dockerfile")).stream);
    expect(found.get("link.txt")).toMatchObject({ type: "symlink", linkname: "target.txt" });
  });

  it("adds a Dockerfile that lives outside the context under a private name", async () => {
    const root = tree(mkdtempSync(path.join(scratch, "ctx-")), { "app.mjs": "1" });
    const outside = tree(mkdtempSync(path.join(scratch, "df-")), { "App.Dockerfile": "FROM elsewhere\n" });
    const context = await createBuildContext(root, path.join(outside, "App.Dockerfile"));
    expect(context.dockerfile).toMatch(/^\.msehome-dockerfile-[0-9a-f]{16}$/);
    const found = await entries(context.stream);
    expect(found.get(context.dockerfile)!.content).toBe("FROM elsewhere\n");
    expect(found.has("app.mjs")).toBe(true);
  });

  it("names a missing Dockerfile", async () => {
    const root = tree(mkdtempSync(path.join(scratch, "ctx-")), { "app.mjs": "1" });
    await expect(createBuildContext(root, "Dockerfile")).rejects.toThrow(
      new BuildContextError(`the Dockerfile ${path.join(root, "Dockerfile")} cannot be read`),
    );
  });
});

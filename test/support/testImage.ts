// Tiny offline test images: this machine's node binary and its shared libraries, imported as a root filesystem.
import { execFileSync } from "node:child_process";
import { createReadStream, realpathSync, statSync } from "node:fs";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pack as tarPack } from "tar-stream";
import type { DockerEngine } from "../../src/docker/engine.js";

/**
 * A stand-in for the runtime's `msehome-run` entrypoint: prints its arguments, answers HTTP on
 * 443 like a configuration server, prints a measurement with --dry-run, and exits 3 when the
 * application is "crash:now".
 */
export const FAKE_RUNTIME = `#!/usr/bin/node
const http = require("node:http");
const crypto = require("node:crypto");
const fs = require("node:fs");
const args = process.argv.slice(2);
process.stdout.write("msehome-run " + JSON.stringify(args) + "\\n");
process.stderr.write("runtime starting\\n");
const application = args[args.indexOf("--application") + 1];
if (args.includes("--dry-run")) {
  const hash = crypto.createHash("sha256").update(JSON.stringify(args.filter((a) => a !== "--dry-run")));
  try { hash.update(fs.readFileSync("/opt/input/app.tar")); } catch {}
  process.stdout.write("Measurement:\\n    " + hash.digest("hex") + "\\n");
  process.exit(0);
}
if (application === "crash:now") {
  process.stderr.write("crashing as asked\\n");
  process.exit(3);
}
const server = http.createServer((req, res) => {
  res.setHeader("Mse-Status", "Waiting");
  res.end(JSON.stringify({ args, input: fs.existsSync("/opt/input") ? fs.readdirSync("/opt/input") : null }));
});
server.listen(443, () => process.stdout.write("listening on 443\\n"));
process.on("SIGTERM", () => { process.stdout.write("stopping\\n"); process.exit(0); });
`;

/** Absolute paths of the shared libraries `ldd` lists for a binary. */
export function sharedLibraries(binary: string): string[] {
  const output = execFileSync("ldd", [binary], { encoding: "utf8" });
  const libraries = new Set<string>();
  for (const line of output.split("\n")) {
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (match) libraries.add(match[1]!);
  }
  return [...libraries];
}

/** The root filesystem as a tar stream: node at /usr/bin/node, its libraries, and `files`. */
export function nodeRootFilesystem(files: Record<string, { content: string; mode?: number }>): Readable {
  const pack = tarPack();
  const node = realpathSync(process.execPath);
  const regular: [string, string][] = [["usr/bin/node", node]];
  for (const library of sharedLibraries(node)) regular.push([library.slice(1), realpathSync(library)]);
  void (async () => {
    try {
      for (const directory of ["tmp", "opt", "etc"]) {
        pack.entry({ name: directory, type: "directory", mode: directory === "tmp" ? 0o1777 : 0o755 });
      }
      for (const [name, source] of regular) {
        const { size, mode } = statSync(source);
        await pipeline(createReadStream(source), pack.entry({ name, size, mode: mode & 0o7777 }));
      }
      for (const [name, file] of Object.entries(files)) {
        pack.entry({ name: name.replace(/^\//, ""), mode: file.mode ?? 0o644 }, file.content);
      }
      pack.finalize();
    } catch (error) {
      pack.destroy(error as Error);
    }
  })();
  return pack as unknown as Readable;
}

/**
 * Imports a node image whose entrypoint is the fake runtime (or `entrypoint`) under `tag`.
 * Returns the image id. The caller removes it.
 */
export async function importNodeImage(
  engine: DockerEngine,
  tag: string,
  options: { files?: Record<string, { content: string; mode?: number }>; entrypoint?: string[] } = {},
): Promise<string> {
  const files = { "/usr/local/bin/msehome-run": { content: FAKE_RUNTIME, mode: 0o755 }, ...options.files };
  const separator = tag.lastIndexOf(":");
  const entrypoint = options.entrypoint ?? ["/usr/local/bin/msehome-run"];
  // dockerode's typings miss the promise form of importImage.
  type ImportImage = (file: Readable, options: Record<string, unknown>) => Promise<NodeJS.ReadableStream>;
  const stream = await engine.call("importing a test image", (api) =>
    (api.importImage.bind(api) as unknown as ImportImage)(nodeRootFilesystem(files), {
      repo: tag.slice(0, separator),
      tag: tag.slice(separator + 1),
      changes: [`ENTRYPOINT ${JSON.stringify(entrypoint)}`, "ENV PATH=/usr/local/bin:/usr/bin:/bin"],
    }),
  );
  let output = "";
  for await (const chunk of stream as AsyncIterable<Buffer>) output += chunk.toString();
  const status = /"status":"(sha256:[0-9a-f]{64})"/.exec(output);
  if (!status) throw new Error(`importing ${tag} failed: ${output.slice(0, 500)}`);
  return status[1]!;
}

/**
 * Removes an image and every image built on it (tags, and the untagged intermediate images a
 * failed classic build leaves behind), children first.
 */
export async function removeImageTree(engine: DockerEngine, rootImageId: string): Promise<void> {
  const images = await engine.call("listing images", (api) => api.listImages({ all: true }));
  const children = new Map<string, string[]>();
  for (const image of images) {
    if (!image.ParentId) continue;
    children.set(image.ParentId, [...(children.get(image.ParentId) ?? []), image.Id]);
  }
  const order: string[] = [];
  const visit = (id: string): void => {
    for (const child of children.get(id) ?? []) visit(child);
    order.push(id);
  };
  visit(rootImageId);
  for (const id of order) {
    await engine
      .call(`removing image ${id}`, (api) => api.getImage(id).remove({ force: true }))
      .catch((error: { statusCode?: number }) => {
        if (error.statusCode !== 404 && !/No such image/.test(String(error))) throw error;
      });
  }
}

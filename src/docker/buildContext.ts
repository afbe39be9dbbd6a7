// The build context sent to the engine: a tar stream of a directory, minus what its .dockerignore excludes.
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir, readFile, readlink, realpath } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import dockerignoreModule from "@balena/dockerignore";
import { pack as tarPack, type Header } from "tar-stream";

// The package is CommonJS (`module.exports = factory`) while its typings declare a default export.
const dockerignore = ((dockerignoreModule as { default?: unknown }).default ??
  dockerignoreModule) as typeof dockerignoreModule.default;

export interface BuildContext {
  /** The tar, produced as the engine reads it. */
  stream: Readable;
  /** The Dockerfile's path inside the context (the build's `dockerfile` parameter). */
  dockerfile: string;
}

/** The build context cannot be read. */
export class BuildContextError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BuildContextError";
  }
}

/**
 * Streams `contextDir` as a tar. `.dockerignore` rules apply as the Docker CLI applies them
 * (patterns relative to the context root, `!` exceptions, and the Dockerfile and .dockerignore
 * always sent). A Dockerfile outside the context is added under a random name, as the CLI does.
 */
export async function createBuildContext(contextDir: string, dockerfilePath: string): Promise<BuildContext> {
  const root = await realpath(contextDir).catch((error: unknown) => {
    throw new BuildContextError(`the build context ${contextDir} cannot be read`, { cause: error });
  });
  const dockerfileAbsolute = path.resolve(contextDir, dockerfilePath);
  await lstat(dockerfileAbsolute).catch((error: unknown) => {
    throw new BuildContextError(`the Dockerfile ${dockerfileAbsolute} cannot be read`, { cause: error });
  });
  const dockerfileReal = await realpath(dockerfileAbsolute);
  const inside = path.relative(root, dockerfileReal);
  const dockerfileInContext =
    !inside.startsWith("..") && !path.isAbsolute(inside)
      ? inside.split(path.sep).join("/")
      : `.msehome-dockerfile-${randomBytes(8).toString("hex")}`;
  const external = dockerfileInContext.startsWith(".msehome-dockerfile-") ? dockerfileReal : undefined;

  const rules = await readFile(path.join(root, ".dockerignore"), "utf8").catch(() => "");
  const patterns = rules
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const matcher = dockerignore({ ignorecase: false }).add(patterns);
  const hasExceptions = patterns.some((p) => p.startsWith("!"));
  const alwaysSent = new Set([dockerfileInContext, ".dockerignore"]);
  const excluded = (relative: string): boolean => !alwaysSent.has(relative) && matcher.ignores(relative);

  const pack = tarPack();
  const addFile = async (
    absolute: string,
    name: string,
    header: Omit<Partial<Header>, "name">,
  ): Promise<void> => {
    const entry = pack.entry({ ...header, name });
    await pipeline(createReadStream(absolute), entry);
  };
  const walk = async (directory: string, prefix: string): Promise<void> => {
    const names = (await readdir(directory)).sort();
    for (const name of names) {
      const absolute = path.join(directory, name);
      const relative = prefix ? `${prefix}/${name}` : name;
      const stats = await lstat(absolute);
      const skip = excluded(relative);
      const base = { mode: stats.mode & 0o7777, mtime: stats.mtime, uid: 0, gid: 0 };
      if (stats.isDirectory()) {
        // An excluded directory is still walked when exceptions may re-include something below it.
        if (skip && !hasExceptions) continue;
        if (!skip) await entryDone(pack.entry({ ...base, name: relative, type: "directory" }));
        await walk(absolute, relative);
      } else if (skip) {
        continue;
      } else if (stats.isFile()) {
        await addFile(absolute, relative, { ...base, type: "file", size: stats.size });
      } else if (stats.isSymbolicLink()) {
        await entryDone(
          pack.entry({ ...base, name: relative, type: "symlink", linkname: await readlink(absolute) }),
        );
      }
      // Sockets, FIFOs and devices have no place in a build context.
    }
  };
  void (async () => {
    try {
      await walk(root, "");
      if (external) {
        const stats = await lstat(external);
        await addFile(external, dockerfileInContext, {
          mode: 0o644,
          mtime: stats.mtime,
          type: "file",
          size: stats.size,
        });
      }
      pack.finalize();
    } catch (error) {
      pack.destroy(new BuildContextError(`the build context ${contextDir} cannot be read`, { cause: error }));
    }
  })();
  return { stream: pack as unknown as Readable, dockerfile: dockerfileInContext };
}

/** Waits until a body-less tar entry has been written. */
function entryDone(entry: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    entry.on("error", reject);
    entry.on("finish", () => resolve());
    entry.end();
  });
}

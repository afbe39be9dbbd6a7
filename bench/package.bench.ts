// Memory benchmark: packaging an app whose image exceeds 1 GiB, then extracting that package and loading
// its image, each keeps the msehome process's peak RSS under 200 MiB (everything streams).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DockerEngine } from "../src/docker/engine.js";
import { removeImage } from "../src/docker/images.js";
import { imageRepositoryFor } from "../src/provider/package.js";
import { scaffold } from "../src/provider/scaffold.js";
import { importNodeImage, removeImageTree } from "../test/support/testImage.js";

const MiB = 1024 * 1024;
const LIMIT_MIB = 200;
const PAYLOAD_BYTES = 1100 * MiB;
const root = fileURLToPath(new URL("..", import.meta.url));
const cli = path.join(root, "dist", "cli", "main.js");

/** Runs node with a hook that records the process's peak RSS (KiB) at exit. */
async function measure(args: string[]): Promise<{ peakMiB: number; seconds: number; stdout: string }> {
  const scratch = mkdtempSync(path.join(tmpdir(), "msehome-rss-"));
  const hook = path.join(scratch, "hook.mjs");
  const report = path.join(scratch, "rss");
  writeFileSync(
    hook,
    `import { writeFileSync } from "node:fs";\nprocess.on("exit", () => writeFileSync(${JSON.stringify(report)}, String(process.resourceUsage().maxRSS)));\n`,
  );
  const started = Date.now();
  const child = spawn(process.execPath, ["--import", hook, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  const [code] = (await once(child, "close")) as [number];
  if (code !== 0) throw new Error(`node ${args.join(" ")} exited with ${code}`);
  const peakMiB = Number(readFileSync(report, "utf8")) / 1024;
  rmSync(scratch, { recursive: true, force: true });
  return { peakMiB, seconds: (Date.now() - started) / 1000, stdout };
}

async function writePayload(file: string): Promise<void> {
  const block = Buffer.alloc(4 * MiB);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
  const out = createWriteStream(file);
  for (let written = 0; written < PAYLOAD_BYTES; written += block.length) {
    if (!out.write(block)) await once(out, "drain");
  }
  out.end();
  await once(out, "close");
}

const engine = DockerEngine.fromEnvironment();
await engine.ping();
const work = mkdtempSync(path.join(tmpdir(), "msehome-bench-package-"));
const baseTag = `msehome-bench/base-${process.pid}:1`;
const baseId = await importNodeImage(engine, baseTag);
const name = `bench-${process.pid}`;
const loadedTags: string[] = [];
let failed = false;
try {
  const project = await scaffold(name, { parentDir: work });
  await writePayload(path.join(project.directory, "payload.bin"));
  writeFileSync(
    path.join(project.directory, "Dockerfile"),
    "ARG MSEHOME_BASE\nFROM ${MSEHOME_BASE}\nCOPY payload.bin /opt/payload.bin\n",
  );

  const packaged = await measure([
    cli,
    "--json",
    "package",
    "--project",
    project.directory,
    "--output",
    path.join(work, "out"),
    "--base-image",
    baseTag,
  ]);
  const result = JSON.parse(packaged.stdout) as {
    package: { path: string; sizeBytes: number };
    image: { sizeBytes: number; tag: string };
  };
  loadedTags.push(result.image.tag);
  console.log(
    `package: image.tar ${(result.image.sizeBytes / MiB).toFixed(0)} MiB, package ${(result.package.sizeBytes / MiB).toFixed(0)} MiB, ` +
      `${packaged.seconds.toFixed(1)} s, peak RSS ${packaged.peakMiB.toFixed(1)} MiB (limit ${LIMIT_MIB} MiB)`,
  );

  const script = `
    import { extractPackage } from ${JSON.stringify(path.join(root, "dist/package/packageReader.js"))};
    import { DockerEngine } from ${JSON.stringify(path.join(root, "dist/docker/engine.js"))};
    import { loadImage } from ${JSON.stringify(path.join(root, "dist/docker/imageTransfer.js"))};
    const opened = await extractPackage(${JSON.stringify(result.package.path)}, ${JSON.stringify(path.join(work, "extracted"))});
    const loaded = await loadImage(DockerEngine.fromEnvironment(), opened.files["image.tar"]);
    console.log(JSON.stringify(loaded));
  `;
  const loaded = await measure(["--input-type=module", "-e", script]);
  console.log(
    `extract + verify + load: ${loaded.seconds.toFixed(1)} s, peak RSS ${loaded.peakMiB.toFixed(1)} MiB (limit ${LIMIT_MIB} MiB)`,
  );
  if (result.image.sizeBytes < 1024 * MiB) throw new Error("the benchmark image is smaller than 1 GiB");
  failed = packaged.peakMiB >= LIMIT_MIB || loaded.peakMiB >= LIMIT_MIB;
} finally {
  for (const tag of [...loadedTags, `${imageRepositoryFor(name)}:latest`]) {
    await removeImage(engine, tag, { force: true, ignoreMissing: true });
  }
  await removeImageTree(engine, baseId);
  rmSync(work, { recursive: true, force: true });
}
if (failed) {
  console.error(`FAIL: peak RSS reached ${LIMIT_MIB} MiB`);
  process.exitCode = 1;
}

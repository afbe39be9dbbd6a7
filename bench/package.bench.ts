// Memory benchmark: packaging an app whose image exceeds 1 GiB, then extracting that package and loading
// its image, each keeps the msehome process's peak RSS under 200 MiB (everything streams).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DockerEngine } from "../src/docker/engine.js";
import { removeImage } from "../src/docker/images.js";
import { imageRepositoryFor } from "../src/provider/package.js";
import { importNodeImage, removeImageTree } from "../test/support/testImage.js";
import { scaffoldLargeApp } from "./support/largeApp.js";
import { MiB, runCliMeasured, runMeasured } from "./support/peakRss.js";

const LIMIT_MIB = 200;
const root = fileURLToPath(new URL("..", import.meta.url));

const engine = DockerEngine.fromEnvironment();
await engine.ping();
const work = mkdtempSync(path.join(tmpdir(), "msehome-bench-package-"));
const baseTag = `msehome-bench/base-${process.pid}:1`;
const baseId = await importNodeImage(engine, baseTag);
const name = `bench-${process.pid}`;
const loadedTags: string[] = [];
let failed = false;
try {
  const project = await scaffoldLargeApp(name, work);

  const packaged = await runCliMeasured([
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
  const loaded = await runMeasured(["--input-type=module", "-e", script]);
  if (loaded.code !== 0) throw new Error(`extracting and loading the package exited with ${loaded.code}`);
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

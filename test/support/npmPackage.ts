// A local npm package that `tests_requirements` names as `file:<dir>`, so tests of the requirement
// installation need no registry.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

/** Writes an ES module package `name` whose index.js is `indexJs`; returns its `file:` specifier. */
export async function writeLocalEsmPackage(
  directory: string,
  name: string,
  indexJs: string,
): Promise<string> {
  await mkdir(directory, { recursive: true });
  await writeFile(
    path.join(directory, "package.json"),
    JSON.stringify({ name, version: "1.0.0", type: "module", main: "index.js" }),
  );
  await writeFile(path.join(directory, "index.js"), indexJs);
  return `file:${directory}`;
}

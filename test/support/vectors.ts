// Where the public test vectors live: test/vectors in the repository (see its README for provenance).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const VECTORS_DIR = path.join(REPO_ROOT, "test", "vectors");

export function readVectorJson<T>(relativePath: string): T {
  return JSON.parse(readFileSync(path.join(VECTORS_DIR, relativePath), "utf8")) as T;
}

// Where the shared public test vectors live: ../shared/vectors beside the repository root.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const VECTORS_DIR = path.resolve(REPO_ROOT, "../shared/vectors");

export function readVectorJson<T>(relativePath: string): T {
  return JSON.parse(readFileSync(path.join(VECTORS_DIR, relativePath), "utf8")) as T;
}

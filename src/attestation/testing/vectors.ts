// For tests: reads the shared real-hardware vectors that sit next to the repository.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const VECTORS_DIR = path.resolve(repoRoot, "../shared/vectors");

export function vectorBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(VECTORS_DIR, name)));
}

export function vectorText(name: string): string {
  return readFileSync(path.join(VECTORS_DIR, name), "utf8");
}

// For tests: reads the public real-hardware vectors kept in test/vectors.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const VECTORS_DIR = path.join(repoRoot, "test", "vectors");

export function vectorBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(VECTORS_DIR, name)));
}

export function vectorText(name: string): string {
  return readFileSync(path.join(VECTORS_DIR, name), "utf8");
}

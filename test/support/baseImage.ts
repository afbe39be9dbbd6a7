// The simulation base image for e2e tests: built by scripts/build-base-image.sh when missing or
// stale (the script compares its inputs' digest with the image's label, so a current image
// costs one second).
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { MSEHOME_VERSION } from "../../src/version.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export const BASE_IMAGE = `msehome/base:${MSEHOME_VERSION}`;
export const SIMULATION_BASE_IMAGE = `${BASE_IMAGE}-simulation`;

let building: Promise<string> | undefined;

export function ensureBaseImage(): Promise<string> {
  building ??= promisify(execFile)("bash", ["scripts/build-base-image.sh"], {
    cwd: repoRoot,
    maxBuffer: 16 * 1024 * 1024,
  }).then(() => SIMULATION_BASE_IMAGE);
  return building;
}

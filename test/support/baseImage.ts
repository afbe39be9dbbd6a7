// The simulation base image for e2e tests: built by scripts/build-base-image.sh when missing or
// stale (the script compares its inputs' digest with the image's label, so a current image
// costs one second). It carries only its own tag: the SGX image's tag is never touched.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { SGX_BASE_IMAGE, SIMULATION_BASE_IMAGE } from "../../src/model/baseImage.js";

export { SGX_BASE_IMAGE, SIMULATION_BASE_IMAGE };

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Runs the build script once more (it does nothing but checks when the image is current). */
export async function runBaseImageScript(): Promise<{ stderr: string }> {
  return promisify(execFile)("bash", ["scripts/build-base-image.sh"], {
    cwd: repoRoot,
    maxBuffer: 16 * 1024 * 1024,
  });
}

let building: Promise<string> | undefined;

export function ensureBaseImage(): Promise<string> {
  building ??= runBaseImageScript().then(() => SIMULATION_BASE_IMAGE);
  return building;
}

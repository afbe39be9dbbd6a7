// The msehome base images every app image starts FROM: their tags, and the labels and environment
// that tell the simulation-only image from the SGX one (an app image inherits both).
import { MSEHOME_VERSION } from "../version.js";

/** The SGX hardware image (Gramine), built by `scripts/build-base-image.sh --sgx`; the scaffold's default. */
export const SGX_BASE_IMAGE = `msehome/base:${MSEHOME_VERSION}`;

/** The simulation-only image (no Gramine), built offline by `scripts/build-base-image.sh`; never tagged as the SGX one. */
export const SIMULATION_BASE_IMAGE = `${SGX_BASE_IMAGE}-simulation`;

export const BASE_IMAGE_LABELS = {
  /** "true" on the simulation-only image. */
  simulationOnly: "msehome.base.simulation-only",
  /** The modes the image runs: "sgx,simulation" or "simulation". */
  modes: "msehome.base.modes",
  version: "msehome.base.version",
} as const;

/** Set in the simulation-only image; `msehome-run` refuses to start an enclave without --simulation there. */
export const SIMULATION_ONLY_ENV = "MSEHOME_SIMULATION_ONLY";

export interface ImageMarks {
  labels: Readonly<Record<string, string>>;
  env: readonly string[];
}

/**
 * Built on the simulation-only base: its label or its environment variable says so (an app's
 * Dockerfile may overwrite one of them; either is enough).
 */
export function isSimulationOnlyImage(image: ImageMarks): boolean {
  return (
    image.labels[BASE_IMAGE_LABELS.simulationOnly] === "true" ||
    image.env.includes(`${SIMULATION_ONLY_ENV}=1`)
  );
}

/** An SGX base image says it runs the `sgx` mode and is not simulation-only. */
export function isSgxBaseImage(image: ImageMarks): boolean {
  const modes = (image.labels[BASE_IMAGE_LABELS.modes] ?? "").split(",").map((mode) => mode.trim());
  return modes.includes("sgx") && !isSimulationOnlyImage(image);
}

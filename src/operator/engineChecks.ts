// What doctor checks around the enclave platform: the Docker engine, the msehome base image of the
// mode, and free disk for packages (spawn extracts a package beside it and loads its image into
// the engine's data root).
import { stat, statfs } from "node:fs/promises";
import type { DockerEngine } from "../docker/engine.js";
import { DockerUnavailableError } from "../docker/errors.js";
import { inspectImage } from "../docker/images.js";
import {
  BASE_IMAGE_LABELS,
  isSgxBaseImage,
  isSimulationOnlyImage,
  SGX_BASE_IMAGE,
  SIMULATION_BASE_IMAGE,
} from "../model/baseImage.js";
import { failed, type HostCheck, passed } from "./hostCheck.js";

/** Room for a package, its image extracted beside it, and the image loaded into the engine. */
export const MIN_FREE_DISK_BYTES = 4 * 1024 ** 3;

export async function checkDockerEngine(
  connect: () => Promise<DockerEngine>,
): Promise<{ check: HostCheck; engine?: DockerEngine }> {
  const id = "docker";
  const title = "Docker engine answers";
  try {
    const engine = await connect();
    const { version, apiVersion } = await engine.version();
    return {
      check: passed(id, title, `Docker Engine ${version} (API ${apiVersion}) at ${engine.address}`),
      engine,
    };
  } catch (error) {
    const detail =
      error instanceof DockerUnavailableError
        ? `no Docker engine answers at ${error.address} (${error.reason})`
        : (error as Error).message;
    return {
      check: failed(
        id,
        title,
        detail,
        "start Docker (sudo systemctl start docker) or point DOCKER_HOST at a running engine; a user outside the docker group is refused: sudo usermod -aG docker $USER, then log in again",
      ),
    };
  }
}

const NO_ENGINE = "not checked: no Docker engine answers";

/**
 * The base image of the mode. Code providers build their packages FROM it; spawn needs only the
 * package, so a missing base image does not block it.
 */
export async function checkBaseImage(
  engine: DockerEngine | undefined,
  mode: "sgx" | "simulation",
): Promise<HostCheck> {
  const sgx = mode === "sgx";
  const id = sgx ? "image.sgx" : "image.simulation";
  const title = sgx ? "SGX base image" : "Simulation base image";
  const tag = sgx ? SGX_BASE_IMAGE : SIMULATION_BASE_IMAGE;
  const build = sgx
    ? "build it from msehome's source: scripts/build-base-image.sh --sgx (Gramine and Intel's DCAP libraries from their package repositories)"
    : "build it from msehome's source, offline: scripts/build-base-image.sh";
  if (!engine) return failed(id, title, NO_ENGINE, "start the Docker engine first", false);
  let image;
  try {
    image = await inspectImage(engine, tag);
  } catch (error) {
    return failed(id, title, (error as Error).message, "check the Docker engine's log", false);
  }
  if (!image) return failed(id, title, `${tag} is not on the Docker engine`, build, false);
  const short = image.id.slice("sha256:".length, "sha256:".length + 12);
  if (sgx && isSimulationOnlyImage(image)) {
    return failed(
      id,
      title,
      `${tag} is the simulation-only image (${short}; older msehome builds tagged it so), which cannot run on SGX hardware`,
      `remove that tag (docker image rm ${tag}), then ${build}`,
      false,
    );
  }
  if (sgx ? !isSgxBaseImage(image) : !isSimulationOnlyImage(image)) {
    return failed(
      id,
      title,
      `${tag} (${short}) is not msehome's ${sgx ? "SGX" : "simulation-only"} base image (its label ${BASE_IMAGE_LABELS.modes} is "${image.labels[BASE_IMAGE_LABELS.modes] ?? ""}")`,
      `remove that tag (docker image rm ${tag}), then ${build}`,
      false,
    );
  }
  return passed(id, title, `${tag} (${short}, ${Math.round(image.sizeBytes / 1e6)} MB)`, false);
}

const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

/** Free space where spawn writes (the working directory) and where the engine keeps images, when it runs here. */
export async function checkFreeDisk(
  engine: DockerEngine | undefined,
  workDir: string,
  minBytes: number = MIN_FREE_DISK_BYTES,
): Promise<HostCheck> {
  const id = "disk";
  const title = "Free disk for packages";
  const places: { path: string; what: string }[] = [{ path: workDir, what: "this directory" }];
  let note = "";
  if (engine?.address.startsWith("unix://")) {
    const dataRoot = await engine.dataRoot().catch(() => undefined);
    if (dataRoot) places.push({ path: dataRoot, what: "Docker's data" });
  } else if (engine) {
    note = `; Docker's data is on the engine's machine (${engine.address}), not checked`;
  }
  // One figure per file system: places on the same one share its free space.
  const found: { path: string; what: string; free: number; device: number }[] = [];
  for (const place of places) {
    const device = await stat(place.path).then(
      (info) => info.dev,
      () => undefined,
    );
    if (device === undefined) continue;
    const same = found.find((entry) => entry.device === device);
    if (same) {
      same.what += ` and ${place.what}`;
      continue;
    }
    const fs = await statfs(place.path).catch(() => undefined);
    if (fs) found.push({ ...place, free: fs.bavail * fs.bsize, device });
  }
  const summary = found.map((place) => `${gib(place.free)} free in ${place.path} (${place.what})`).join(", ");
  const short = found.filter((place) => place.free < minBytes);
  if (found.length === 0) {
    return failed(
      id,
      title,
      `cannot read the free space of ${workDir}`,
      "run msehome doctor from the directory spawn writes to",
    );
  }
  if (short.length > 0) {
    return failed(
      id,
      title,
      `${summary}: less than ${gib(minBytes)}${note}`,
      `free space on ${short.map((place) => place.path).join(" and ")} (docker system prune removes unused images and stopped containers), or spawn with --output on a larger disk`,
    );
  }
  return passed(id, title, `${summary}${note}`);
}

// A test image for msehome-run's SGX hardware code path without SGX: the simulation base image with
// the Gramine stand-ins on the PATH and a stand-in Gramine installation where Debian's packages put
// Gramine, and the base image's simulation-only switch turned off. Built offline from this
// machine's files; the caller removes it.
import { mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DockerEngine } from "../../../src/docker/engine.js";
import { SIMULATION_ONLY_ENV } from "../../../src/model/baseImage.js";
import { buildImage } from "../../../src/docker/imageBuild.js";
import { sharedLibraries } from "../testImage.js";
import { IMAGE_LAYOUT, installGramineStandIns } from "./standIns.js";

const DOCKERFILE = `ARG BASE
FROM \${BASE}
COPY rootfs/ /
ENV ${SIMULATION_ONLY_ENV}=0
`;

/** Builds the image `tag` on top of `base`; returns its id. */
export async function buildGramineStandInImage(
  engine: DockerEngine,
  base: string,
  tag: string,
): Promise<string> {
  const context = await mkdtemp(path.join(tmpdir(), "msehome-gramine-image-"));
  try {
    await writeFile(path.join(context, "Dockerfile"), DOCKERFILE);
    const libpal = sharedLibraries(await realpath(process.execPath))[0] as string;
    await installGramineStandIns(path.join(context, "rootfs"), {
      nodePath: "/usr/local/bin/node",
      libpal,
      seenAt: "/",
      layout: IMAGE_LAYOUT,
    });
    const built = await buildImage(engine, { contextDir: context, tag, buildArgs: { BASE: base } });
    return built.id;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

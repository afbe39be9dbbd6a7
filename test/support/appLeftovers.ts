// What the fault tests look for on an engine after a command failed: an app's container, volumes
// and image tag, and the per-run tags `package` gives its image.
import { expect } from "vitest";
import { VOLUME_APP_LABEL } from "../../src/docker/appFilesystem.js";
import { findContainer } from "../../src/docker/container.js";
import type { DockerEngine } from "../../src/docker/engine.js";
import { inspectImage } from "../../src/docker/images.js";
import { listVolumesByLabel } from "../../src/docker/volumes.js";
import { appImageTag } from "../../src/operator/appImage.js";
import { imageRepositoryFor } from "../../src/provider/package.js";

/** Nothing of the app `name` on the engine: no container, no volume, no tag. */
export async function expectNoApp(engine: DockerEngine, name: string): Promise<void> {
  expect(await findContainer(engine, name)).toBeUndefined();
  expect(await listVolumesByLabel(engine, { [VOLUME_APP_LABEL]: name })).toEqual([]);
  expect(await inspectImage(engine, appImageTag(name))).toBeUndefined();
}

/** The tags the engine holds in the app's package repository (the build cache's `latest` aside). */
export async function packageRunTags(engine: DockerEngine, appName: string): Promise<string[]> {
  const repository = imageRepositoryFor(appName);
  const images = await engine.call("listing images", (api) =>
    api.listImages({ filters: { reference: [`${repository}:*`] } }),
  );
  return images.flatMap((image) => image.RepoTags ?? []).filter((tag) => tag !== `${repository}:latest`);
}

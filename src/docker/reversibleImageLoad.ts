// An image load that can be taken back: which images and tags the engine held is noted first, so
// that when what was loaded turns out wrong (its bytes or its id are not the expected ones) exactly
// what the load added goes again, and any tag it moved points back where it pointed before.
import type { Readable } from "node:stream";
import { z } from "zod";
import type { DockerEngine } from "./engine.js";
import { DockerUnavailableError, ImageLoadError } from "./errors.js";
import { removeImage, tagImage } from "./images.js";
import { type LoadedImage, loadImage } from "./imageTransfer.js";

/** The engine's images before a load: every id, and the id each tag named. */
interface ImageSnapshot {
  ids: Set<string>;
  tagged: Map<string, string>;
}

const imageList = z.array(z.object({ Id: z.string(), RepoTags: z.array(z.string()).nullable().optional() }));

async function snapshotImages(engine: DockerEngine): Promise<ImageSnapshot> {
  const listed = imageList.parse(await engine.call("listing images", (api) => api.listImages({ all: true })));
  const snapshot: ImageSnapshot = { ids: new Set(), tagged: new Map() };
  for (const image of listed) {
    snapshot.ids.add(image.Id);
    for (const tag of image.RepoTags ?? []) if (tag !== "<none>:<none>") snapshot.tagged.set(tag, image.Id);
  }
  return snapshot;
}

/** Puts moved tags back, removes added tags and images; best effort, every step attempted. */
async function undoLoad(engine: DockerEngine, before: ImageSnapshot, loaded: LoadedImage): Promise<void> {
  for (const tag of loaded.tags) {
    const previous = before.tagged.get(tag);
    if (previous !== undefined) await tagImage(engine, previous, tag).catch(() => undefined);
    else await removeImage(engine, tag, { ignoreMissing: true }).catch(() => undefined);
  }
  for (const id of loaded.ids) {
    if (!before.ids.has(id))
      await removeImage(engine, id, { force: true, ignoreMissing: true }).catch(() => undefined);
  }
}

export interface CheckedLoad {
  loaded: LoadedImage;
  /** Takes the load back (for a failure after it, e.g. the container not starting). */
  undo(): Promise<void>;
}

/**
 * Loads the `docker save` tar `source` streams, then runs `checkBytes` (which throws when the
 * bytes that went through were not the expected ones) and requires the image `imageId` among the
 * loaded ones. On either failure the load is undone before the error propagates. When the engine
 * itself refuses the tar's content, a failing `checkBytes` explains why better and is thrown instead.
 */
export async function loadImageChecked(
  engine: DockerEngine,
  source: Readable,
  options: { imageId: string; checkBytes: () => Promise<void>; signal?: AbortSignal },
): Promise<CheckedLoad> {
  const before = await snapshotImages(engine);
  let loaded: LoadedImage;
  try {
    loaded = await loadImage(engine, source, options.signal ? { signal: options.signal } : {});
  } catch (error) {
    // The engine refusing the tar (a layer digest, a broken archive): altered bytes say why better.
    // An engine gone or an interruption is its own story, not worth reading the rest of the image for.
    const refused = !(error instanceof DockerUnavailableError) && !(options.signal?.aborted ?? false);
    if (refused) await options.checkBytes();
    throw error;
  }
  const undo = () => undoLoad(engine, before, loaded);
  try {
    await options.checkBytes();
    if (!loaded.ids.includes(options.imageId)) {
      throw new ImageLoadError(
        `the package's image.tar holds ${loaded.ids.join(", ")}, not the image ${options.imageId} its manifest names`,
      );
    }
  } catch (error) {
    await undo();
    throw error;
  }
  return { loaded, undo };
}

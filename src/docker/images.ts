// Images held by the engine: inspect, tag and remove.
import { z } from "zod";
import type { DockerEngine } from "./engine.js";
import { DockerNotFoundError } from "./errors.js";

export interface ImageInfo {
  /** `sha256:...` */
  id: string;
  tags: string[];
  sizeBytes: number;
  createdAt: Date;
  labels: Record<string, string>;
  /** The image's environment, `NAME=value` entries. */
  env: string[];
}

const inspectSchema = z.object({
  Id: z.string(),
  RepoTags: z.array(z.string()).nullable().optional(),
  Size: z.number(),
  Created: z.string(),
  Config: z
    .object({
      Labels: z.record(z.string(), z.string()).nullable().optional(),
      Env: z.array(z.string()).nullable().optional(),
    })
    .nullable()
    .optional(),
});

/** The image by tag or id, or undefined when the engine has none. */
export async function inspectImage(engine: DockerEngine, reference: string): Promise<ImageInfo | undefined> {
  let raw: unknown;
  try {
    raw = await engine.call(`inspecting image ${reference}`, (api) => api.getImage(reference).inspect());
  } catch (error) {
    if (error instanceof DockerNotFoundError) return undefined;
    throw error;
  }
  const image = inspectSchema.parse(raw);
  return {
    id: image.Id,
    tags: image.RepoTags ?? [],
    sizeBytes: image.Size,
    createdAt: new Date(image.Created),
    labels: image.Config?.Labels ?? {},
    env: image.Config?.Env ?? [],
  };
}

/** Removes an image (or just one of its tags); `ignoreMissing` makes it idempotent. */
export async function removeImage(
  engine: DockerEngine,
  reference: string,
  options: { force?: boolean; ignoreMissing?: boolean } = {},
): Promise<void> {
  try {
    await engine.call(`removing image ${reference}`, (api) =>
      api.getImage(reference).remove({ force: options.force ?? false, noprune: false }),
    );
  } catch (error) {
    if (options.ignoreMissing && error instanceof DockerNotFoundError) return;
    throw error;
  }
}

/** Adds `repository:tag` to an image. */
export async function tagImage(
  engine: DockerEngine,
  reference: string,
  repositoryTag: string,
): Promise<void> {
  const separator = repositoryTag.lastIndexOf(":");
  const hasTag = separator > repositoryTag.lastIndexOf("/");
  const repo = hasTag ? repositoryTag.slice(0, separator) : repositoryTag;
  const tag = hasTag ? repositoryTag.slice(separator + 1) : "latest";
  await engine.call(`tagging image ${reference} as ${repositoryTag}`, (api) =>
    api.getImage(reference).tag({ repo, tag }),
  );
}

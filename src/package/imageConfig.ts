// The configuration of the image inside a package's image.tar, read in place: its labels and
// environment say which base it was built on, before anything is loaded into an engine. Docker
// stores it as `<id>.json` (legacy `docker save`) or `blobs/sha256/<id>` (OCI layout); its SHA-256
// is the image id, which is checked, so the marks are those of the manifest's image.
import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { z } from "zod";
import type { ImageMarks } from "../model/baseImage.js";
import { indexTar, type TarMemberLocation } from "./tarIndex.js";

/** An image configuration is a few KiB; a larger one is not read. */
const MAX_CONFIG_BYTES = 1024 * 1024;
/** A `docker save` tar holds a handful of members per layer. */
const MAX_IMAGE_TAR_MEMBERS = 10_000;

const configSchema = z.object({
  config: z
    .object({
      Labels: z.record(z.string(), z.string()).nullable().optional(),
      Env: z.array(z.string()).nullable().optional(),
    })
    .nullable()
    .optional(),
});

/**
 * The marks of image `imageId` (`sha256:<hex>`) from the `docker save` tar at `image` in the file,
 * or undefined when the configuration is not found, not the image's, or not readable.
 */
export async function readImageMarks(
  handle: FileHandle,
  image: Pick<TarMemberLocation, "offset" | "size">,
  imageId: string,
): Promise<ImageMarks | undefined> {
  const hex = imageId.replace(/^sha256:/, "");
  let members: TarMemberLocation[];
  try {
    members = await indexTar(handle, "image.tar", {
      start: image.offset,
      end: image.offset + image.size,
      maxMembers: MAX_IMAGE_TAR_MEMBERS,
    });
  } catch {
    return undefined;
  }
  const config = members.find((m) => m.name === `${hex}.json` || m.name === `blobs/sha256/${hex}`);
  if (!config || config.size > MAX_CONFIG_BYTES) return undefined;
  const bytes = Buffer.alloc(config.size);
  await handle.read(bytes, 0, config.size, config.offset);
  if (createHash("sha256").update(bytes).digest("hex") !== hex) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) return undefined;
  return { labels: parsed.data.config?.Labels ?? {}, env: parsed.data.config?.Env ?? [] };
}

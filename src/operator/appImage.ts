// The image an app runs from, held under the app's own tag (msehome/app:<name>), so that removing
// the app releases the image without touching tags anyone else gave it.
import { createHash } from "node:crypto";
import type { DockerEngine } from "../docker/engine.js";
import { DockerEngineError } from "../docker/errors.js";
import { removeImage } from "../docker/images.js";

export const APP_IMAGE_REPOSITORY = "msehome/app";

/** Docker tags are at most 128 characters; longer app names keep a prefix and a digest of the whole. */
const MAX_TAG_LENGTH = 128;

/** `msehome/app:<name>`: app names are valid tags (letters, digits, ".", "_", "-", first alphanumeric). */
export function appImageTag(appName: string): string {
  if (appName.length <= MAX_TAG_LENGTH) return `${APP_IMAGE_REPOSITORY}:${appName}`;
  const digest = createHash("sha256").update(appName).digest("hex").slice(0, 16);
  return `${APP_IMAGE_REPOSITORY}:${appName.slice(0, MAX_TAG_LENGTH - 17)}-${digest}`;
}

export function isAppImageTag(reference: string): boolean {
  return reference.startsWith(`${APP_IMAGE_REPOSITORY}:`);
}

/**
 * Removes the app's tag: the engine deletes the image too when nothing else (another tag, another
 * container) still uses it. An image still in use is not an error: it stays.
 */
export async function releaseAppImage(engine: DockerEngine, reference: string): Promise<void> {
  try {
    await removeImage(engine, reference, { ignoreMissing: true });
  } catch (error) {
    if (error instanceof DockerEngineError && error.statusCode === 409) return;
    throw error;
  }
}

// `docker save` and `docker load` as streams: an image travels through msehome without ever being held in memory.
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createInterface } from "node:readline";
import { z } from "zod";
import { streamToFileAtomically } from "../crypto/atomicOutput.js";
import { digestingStream } from "../crypto/streamDigest.js";
import type { DockerEngine } from "./engine.js";
import { DockerEngineError, ImageLoadError } from "./errors.js";
import { inspectImage } from "./images.js";

export interface SavedImage {
  path: string;
  sizeBytes: number;
  /** SHA-256 of the tar, hex, computed while it streamed. */
  sha256: string;
}

export interface LoadedImage {
  /** `sha256:...` of each loaded image. */
  ids: string[];
  /** `repository:tag` of each loaded tag. */
  tags: string[];
}

/** Nothing in an image tar is secret to the machine's users. */
const IMAGE_FILE_MODE = 0o644;

/** The `docker save` tar of one image (tag or id), as a stream straight from the engine. */
export async function exportImage(
  engine: DockerEngine,
  reference: string,
  signal?: AbortSignal,
): Promise<Readable> {
  return engine.request<Readable>(`saving image ${reference}`, {
    path: `/images/${encodeURIComponent(reference)}/get`,
    method: "GET",
    isStream: true,
    abortSignal: signal,
    statusCodes: { 200: true, 404: "no such image", 500: "server error" },
  });
}

/**
 * Saves an image to `destinationFile`: streamed to a temporary file beside it, hashed on the way,
 * then renamed, so the destination is either complete or absent. `onBytes` reports progress.
 */
export async function saveImage(
  engine: DockerEngine,
  reference: string,
  destinationFile: string,
  options: { signal?: AbortSignal; onBytes?: (total: number) => void } = {},
): Promise<SavedImage> {
  const meter = digestingStream(options.onBytes);
  try {
    await streamToFileAtomically(
      destinationFile,
      async (output) => {
        const source = await exportImage(engine, reference, options.signal);
        await pipeline(source, meter.stream, output, { signal: options.signal });
      },
      IMAGE_FILE_MODE,
    );
  } catch (error) {
    if (error instanceof DockerEngineError || (error as { name?: string }).name === "AbortError") throw error;
    throw new DockerEngineError(
      `saving image ${reference} to ${destinationFile}`,
      undefined,
      (error as Error).message,
    );
  }
  const { sha256, sizeBytes } = meter.digest();
  return { path: destinationFile, sizeBytes, sha256 };
}

const loadMessage = z.object({
  stream: z.string().optional(),
  error: z.string().optional(),
  errorDetail: z.object({ message: z.string().optional() }).optional(),
});

/**
 * Loads a `docker save` tar (a file path or any readable stream) into the engine, streaming it.
 * Returns the ids and tags the engine reports as loaded.
 */
export async function loadImage(
  engine: DockerEngine,
  source: string | Readable,
  options: { signal?: AbortSignal } = {},
): Promise<LoadedImage> {
  const input = typeof source === "string" ? createReadStream(source) : source;
  let inputError: Error | undefined;
  input.on("error", (error: Error) => (inputError = error));
  let body: Readable;
  try {
    body = await engine.request<Readable>("loading an image", {
      path: "/images/load?",
      method: "POST",
      file: input,
      isStream: true,
      abortSignal: options.signal,
      headers: { "Content-Type": "application/x-tar" },
      options: { quiet: true },
      statusCodes: { 200: true, 500: "server error" },
    });
  } catch (error) {
    // The engine may answer before reading everything; never leave our file open.
    if (typeof source === "string") input.destroy();
    if (inputError)
      throw new ImageLoadError(`cannot read the image tar (${inputError.message})`, { cause: inputError });
    if (error instanceof DockerEngineError && error.statusCode !== undefined) {
      throw new ImageLoadError(error.engineMessage, { cause: error });
    }
    throw error;
  }
  const ids: string[] = [];
  const tags: string[] = [];
  let failure: string | undefined;
  for await (const raw of createInterface({ input: body, crlfDelay: Infinity })) {
    if (raw.trim() === "") continue;
    const parsed = loadMessage.safeParse(safeJson(raw));
    if (!parsed.success) continue;
    const message = parsed.data;
    if (message.error || message.errorDetail?.message)
      failure = message.errorDetail?.message ?? message.error;
    for (const line of (message.stream ?? "").split("\n")) {
      const id = /^Loaded image ID: (sha256:[0-9a-f]{64})/.exec(line.trim());
      const tag = /^Loaded image: (\S+)/.exec(line.trim());
      if (id) ids.push(id[1]!);
      else if (tag) tags.push(tag[1]!);
    }
  }
  if (typeof source === "string") input.destroy();
  if (inputError)
    throw new ImageLoadError(`cannot read the image tar (${inputError.message})`, { cause: inputError });
  if (failure) throw new ImageLoadError(failure);
  for (const tag of tags) {
    const image = await inspectImage(engine, tag);
    if (image && !ids.includes(image.id)) ids.push(image.id);
  }
  if (ids.length === 0) throw new ImageLoadError("the engine reported no image in the tar");
  return { ids, tags };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

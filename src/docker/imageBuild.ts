// Builds an image from a context directory and Dockerfile, reporting steps as it goes and the log on failure.
import type { Readable } from "node:stream";
import { createInterface } from "node:readline";
import { z } from "zod";
import { createBuildContext } from "./buildContext.js";
import type { DockerEngine } from "./engine.js";
import { type BuildStep, DockerEngineError, ImageBuildError } from "./errors.js";
import { inspectImage } from "./images.js";

export type { BuildStep } from "./errors.js";

export interface ImageBuildOptions {
  /** The directory sent as the build context (its .dockerignore applies). */
  contextDir: string;
  /** The Dockerfile, relative to the context or absolute (default: contextDir/Dockerfile). */
  dockerfile?: string;
  /** The tag given to the image (`repository:tag`). */
  tag: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  noCache?: boolean;
  /** Each `Step N/M : INSTRUCTION` as it starts (for a spinner). */
  onStep?: (step: BuildStep) => void;
  /** Every line of the raw build log (for --verbose). */
  onLog?: (line: string) => void;
  signal?: AbortSignal;
}

export interface BuiltImage {
  /** `sha256:...` */
  id: string;
  tag: string;
  sizeBytes: number;
}

/** How many build log lines a failure keeps. */
const LOG_TAIL_LINES = 20;

const STEP = /^Step (\d+)\/(\d+) : (.*)$/;

const messageSchema = z.object({
  stream: z.string().optional(),
  status: z.string().optional(),
  error: z.string().optional(),
  errorDetail: z.object({ message: z.string().optional() }).optional(),
  aux: z.object({ ID: z.string().optional() }).optional(),
});

/** Builds with the engine's builder; ImageBuildError names the failing step and keeps the log's last lines. */
export async function buildImage(engine: DockerEngine, options: ImageBuildOptions): Promise<BuiltImage> {
  const context = await createBuildContext(options.contextDir, options.dockerfile ?? "Dockerfile");
  const tail: string[] = [];
  let step: BuildStep | undefined;
  const log = (line: string): void => {
    tail.push(line);
    if (tail.length > LOG_TAIL_LINES) tail.shift();
    options.onLog?.(line);
  };
  let contextError: unknown;
  context.stream.on("error", (error) => (contextError = error));
  let body: Readable;
  try {
    body = await engine.request<Readable>(`building image ${options.tag}`, {
      path: "/build?",
      method: "POST",
      file: context.stream,
      isStream: true,
      headers: { "Content-Type": "application/x-tar" },
      abortSignal: options.signal,
      options: {
        t: options.tag,
        dockerfile: context.dockerfile,
        buildargs: options.buildArgs ?? {},
        labels: options.labels ?? {},
        nocache: options.noCache ?? false,
        rm: true,
        forcerm: true,
        pull: false,
      },
      statusCodes: { 200: true, 400: "bad parameter", 500: "server error" },
    });
  } catch (error) {
    context.stream.destroy();
    if (contextError) throw contextError;
    if (error instanceof DockerEngineError && error.statusCode !== undefined) {
      throw new ImageBuildError(error.engineMessage, undefined, tail);
    }
    throw error;
  }
  let imageId: string | undefined;
  let failure: string | undefined;
  const lines = createInterface({ input: body, crlfDelay: Infinity });
  for await (const raw of lines) {
    if (raw.trim() === "") continue;
    let message: z.infer<typeof messageSchema>;
    try {
      message = messageSchema.parse(JSON.parse(raw));
    } catch {
      log(raw);
      continue;
    }
    if (message.aux?.ID) imageId = message.aux.ID;
    for (const text of [message.stream, message.status]) {
      if (!text) continue;
      for (const line of text.replace(/\n$/, "").split("\n")) {
        log(line);
        const match = STEP.exec(line);
        if (match) {
          step = { index: Number(match[1]), total: Number(match[2]), instruction: match[3]!.trim() };
          options.onStep?.(step);
        }
      }
    }
    if (message.error || message.errorDetail?.message) {
      failure = (message.errorDetail?.message ?? message.error ?? "").trim();
      log(failure);
    }
  }
  if (contextError) throw contextError;
  if (options.signal?.aborted) throw options.signal.reason;
  if (failure !== undefined) throw new ImageBuildError(failure, step, tail);
  const image = await inspectImage(engine, imageId ?? options.tag);
  if (!image) throw new ImageBuildError("the engine reported no image at the end of the build", step, tail);
  return { id: image.id, tag: options.tag, sizeBytes: image.sizeBytes };
}

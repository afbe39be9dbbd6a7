// Reading one small file out of a container (running or not, volumes included) through the Engine
// API's archive endpoint, so it works whether or not the engine runs on this machine.
import type { Readable } from "node:stream";
import tar from "tar-stream";
import type { DockerEngine } from "./engine.js";
import { DockerEngineError } from "./errors.js";

const DEFAULT_MAX_BYTES = 1024 * 1024;

/** The content of the regular file at `filePath` in the container; refused beyond `maxBytes`. */
export async function readContainerFile(
  engine: DockerEngine,
  id: string,
  filePath: string,
  maxBytes: number = DEFAULT_MAX_BYTES,
): Promise<Buffer> {
  const action = `reading ${filePath} from container ${id}`;
  const archive = await engine.request<Readable>(action, {
    path: `/containers/${encodeURIComponent(id)}/archive?`,
    method: "GET",
    options: { path: filePath },
    isStream: true,
    statusCodes: { 200: true, 400: "bad parameter", 404: "no such container or file", 500: "server error" },
  });
  const extract = tar.extract();
  archive.pipe(extract);
  let content: Buffer | undefined;
  try {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) throw new DockerEngineError(action, undefined, `larger than ${maxBytes} bytes`);
        chunks.push(chunk);
      }
      if (content === undefined && entry.header.type === "file") content = Buffer.concat(chunks);
    }
  } finally {
    archive.destroy();
  }
  if (content === undefined) throw new DockerEngineError(action, undefined, "it is not a regular file");
  return content;
}

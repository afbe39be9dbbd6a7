// Reads a whole (small) tar in tests: member name → header type, link target and content.
import { createReadStream } from "node:fs";
import { extract } from "tar-stream";

export interface TarMember {
  type: string;
  content: Buffer;
  linkname?: string;
}

/** Every member of a tar file or stream, in archive order (names as stored, directories with their "/"). */
export async function tarContents(source: string | NodeJS.ReadableStream): Promise<Map<string, TarMember>> {
  const found = new Map<string, TarMember>();
  const reader = extract();
  const done = new Promise<void>((resolve, reject) => {
    reader.on("entry", (header, body, next) => {
      const parts: Buffer[] = [];
      body.on("data", (chunk: unknown) => parts.push(chunk as Buffer));
      body.on("end", () => {
        found.set(header.name, {
          type: header.type ?? "file",
          content: Buffer.concat(parts),
          ...(header.linkname ? { linkname: header.linkname } : {}),
        });
        next();
      });
    });
    reader.on("finish", () => resolve());
    reader.on("error", reject);
  });
  const input = typeof source === "string" ? createReadStream(source) : source;
  input.pipe(reader as unknown as NodeJS.WritableStream);
  await done;
  return found;
}

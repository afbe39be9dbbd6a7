// A scaffolded app whose image outgrows 1 GiB: 1100 MiB of incompressible-looking bytes copied
// into it, so no layer of the package or spawn pipeline can shrink them.
import { once } from "node:events";
import { createWriteStream, writeFileSync } from "node:fs";
import path from "node:path";
import { scaffold } from "../../src/provider/scaffold.js";
import { MiB } from "./peakRss.js";

const PAYLOAD_BYTES = 1100 * MiB;

async function writePayload(file: string): Promise<void> {
  const block = Buffer.alloc(4 * MiB);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
  const out = createWriteStream(file);
  for (let written = 0; written < PAYLOAD_BYTES; written += block.length) {
    if (!out.write(block)) await once(out, "drain");
  }
  out.end();
  await once(out, "close");
}

/** Scaffolds `name` in `parentDir` with the payload and a Dockerfile that copies it into the image. */
export async function scaffoldLargeApp(
  name: string,
  parentDir: string,
): Promise<{ directory: string; payload: string }> {
  const project = await scaffold(name, { parentDir });
  const payload = path.join(project.directory, "payload.bin");
  await writePayload(payload);
  writeFileSync(
    path.join(project.directory, "Dockerfile"),
    "ARG MSEHOME_BASE\nFROM ${MSEHOME_BASE}\nCOPY payload.bin /opt/payload.bin\n",
  );
  return { directory: project.directory, payload };
}

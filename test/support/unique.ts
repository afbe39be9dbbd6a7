// Names and ports no one else uses, for the containers, image tags and listeners tests and
// benchmarks create (no test framework here: benchmarks import it too).
import { createServer } from "node:net";

/** A name unique to this run, for containers and image tags the tests create and remove. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A TCP port on 127.0.0.1 free at the time of the call (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// libsodium itself, the reference our crypto must interoperate with (tests only). Loaded through
// require because the package's ES module build points at a file it does not ship.
import { createRequire } from "node:module";
import type Sodium from "libsodium-wrappers";

const sodium = createRequire(import.meta.url)("libsodium-wrappers") as typeof Sodium;

export async function libsodium(): Promise<typeof Sodium> {
  await sodium.ready;
  return sodium;
}

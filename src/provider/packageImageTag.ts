// The tag `package` gives the built image while it saves it into the package: unique to the run,
// and naming the machine and process that made it, so that a later run can remove the tag a
// killed run left (only its own machine's, and only once that process is gone: the engine may be
// shared).
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import type { DockerEngine } from "../docker/engine.js";
import { removeImage } from "../docker/images.js";

/** `<unix ns>.p<pid>.<8 hex of this machine's name>`. */
const RUN_TAG = /^([0-9]+)\.p([1-9][0-9]*)\.([0-9a-f]{8})$/;

function machineTag(): string {
  return createHash("sha256").update(hostname()).digest("hex").slice(0, 8);
}

export function packageRunTag(repository: string, ns: bigint): string {
  return `${repository}:${ns}.p${process.pid}.${machineTag()}`;
}

function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Removes the run tags of `repository` that runs killed on this machine left; returns them. */
export async function removeStalePackageTags(engine: DockerEngine, repository: string): Promise<string[]> {
  const images = await engine.call(`listing the images of ${repository}`, (api) =>
    api.listImages({ filters: { reference: [`${repository}:*`] } }),
  );
  const stale = images
    .flatMap((image) => image.RepoTags ?? [])
    .filter((reference) => {
      if (!reference.startsWith(`${repository}:`)) return false;
      const match = RUN_TAG.exec(reference.slice(repository.length + 1));
      if (!match || match[3] !== machineTag()) return false;
      const pid = Number(match[2]);
      return pid !== process.pid && processIsGone(pid);
    });
  for (const reference of stale) await removeImage(engine, reference, { ignoreMissing: true });
  return stale;
}

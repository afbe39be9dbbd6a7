// `msehome list [--filter key=value]…`: every msehome app on the engine, running or not, each probed
// for its state, kept when it matches the filters.
import { listAppContainers } from "../docker/appContainerLookup.js";
import { connectDocker, type DockerEngine } from "../docker/engine.js";
import { type ListFilter, matchesListFilter } from "./listFilter.js";
import { type AppStatus, describeApp } from "./status.js";

export interface ListResult {
  /** The Docker engine listed. */
  engine: string;
  apps: AppStatus[];
  /** Containers labelled as msehome apps whose labels cannot be read (name and why). */
  unreadable: { name: string; reason: string }[];
}

export async function listApps(
  request: { engine?: DockerEngine; filter?: ListFilter } = {},
): Promise<ListResult> {
  const engine = request.engine ?? (await connectDocker());
  const unreadable: ListResult["unreadable"] = [];
  const containers = await listAppContainers(engine, {
    onUnreadable: (name, reason) => unreadable.push({ name, reason }),
  });
  const now = new Date();
  // Probes run in parallel: a list of stuck apps costs one probe timeout, not one per app.
  const filter = request.filter ?? {};
  // The mode is known without probing: apps of another mode are not probed at all.
  const candidates = containers.filter((app) => !filter.mode || filter.mode.has(app.mode));
  const apps = await Promise.all(candidates.map((app) => describeApp(engine, app, now)));
  return {
    engine: engine.description,
    apps: apps.filter((app) => matchesListFilter(app, filter)),
    unreadable,
  };
}

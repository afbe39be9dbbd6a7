// `msehome list`: every msehome app on the engine, running or not, each probed for its state.
import { listAppContainers } from "../docker/appContainerLookup.js";
import { connectDocker, type DockerEngine } from "../docker/engine.js";
import { type AppStatus, describeApp } from "./status.js";

export interface ListResult {
  /** The Docker engine listed. */
  engine: string;
  apps: AppStatus[];
  /** Containers labelled as msehome apps whose labels cannot be read (name and why). */
  unreadable: { name: string; reason: string }[];
}

export async function listApps(request: { engine?: DockerEngine } = {}): Promise<ListResult> {
  const engine = request.engine ?? (await connectDocker());
  const unreadable: ListResult["unreadable"] = [];
  const containers = await listAppContainers(engine, {
    onUnreadable: (name, reason) => unreadable.push({ name, reason }),
  });
  const now = new Date();
  // Probes run in parallel: a list of stuck apps costs one probe timeout, not one per app.
  const apps = await Promise.all(containers.map((app) => describeApp(engine, app, now)));
  return { engine: engine.description, apps, unreadable };
}

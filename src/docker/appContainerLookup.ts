// Finding msehome app containers: by name, or all of them through their `msehome=1` label.
import { type AppContainer, appContainerOf } from "./appContainer.js";
import { APP_LABEL, APP_LABEL_VALUE } from "./appLabels.js";
import { findContainer, inspectContainer, listContainersByLabel } from "./container.js";
import type { DockerEngine } from "./engine.js";
import { AppNotFoundError, DockerNotFoundError, NotAnAppContainerError } from "./errors.js";

/** The app of that name, or undefined when no container has the name; NotAnAppContainerError if one does but is not an app. */
export async function findAppContainer(
  engine: DockerEngine,
  name: string,
): Promise<AppContainer | undefined> {
  const info = await findContainer(engine, name);
  if (!info) return undefined;
  // Docker also matches ids and id prefixes; an app is addressed by its exact name only.
  if (info.name !== name) return undefined;
  return appContainerOf(info);
}

/** The app of that name; AppNotFoundError when there is none. */
export async function getAppContainer(engine: DockerEngine, name: string): Promise<AppContainer> {
  const app = await findAppContainer(engine, name);
  if (!app) throw new AppNotFoundError(name);
  return app;
}

/**
 * Every msehome app container, running or not, sorted by name. Containers labelled `msehome=1`
 * whose labels do not read as an app's are passed to `onUnreadable` rather than hidden.
 */
export async function listAppContainers(
  engine: DockerEngine,
  options: { onUnreadable?: (name: string, reason: string) => void } = {},
): Promise<AppContainer[]> {
  const apps: AppContainer[] = [];
  for (const { id, name } of await listContainersByLabel(engine, { [APP_LABEL]: APP_LABEL_VALUE })) {
    try {
      apps.push(appContainerOf(await inspectContainer(engine, id)));
    } catch (error) {
      // Removed between listing and inspecting: not an app any more.
      if (error instanceof DockerNotFoundError) continue;
      if (error instanceof NotAnAppContainerError) {
        options.onUnreadable?.(name, error.message);
        continue;
      }
      throw error;
    }
  }
  return apps;
}

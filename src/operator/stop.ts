// `msehome stop NAME… [--remove]`: stops the app's container; --remove also deletes it with its volumes
// (the code it was given and its enclave storage) and releases its image. The engine counts the stop
// as the operator's: under `unless-stopped` (and `on-failure`) the app stays down until `msehome
// restart`, even when the engine restarts; only `always` brings it back when the engine restarts.
import { connectDocker, type DockerEngine } from "../docker/engine.js";
import { getAppContainer } from "../docker/appContainerLookup.js";
import { removeAppContainer } from "../docker/appContainer.js";
import { stopContainer } from "../docker/container.js";
import { formatRestartPolicy } from "../model/restartPolicy.js";
import { isAppImageTag, releaseAppImage } from "./appImage.js";

export interface StopRequest {
  name: string;
  /** Delete the container and its volumes (and the image, unless something else uses it) after stopping it. */
  remove?: boolean;
  /** Seconds between SIGTERM and SIGKILL (default 10). */
  graceSeconds?: number;
  engine?: DockerEngine;
}

export interface StopResult {
  name: string;
  /** False when the container was not running. */
  wasRunning: boolean;
  removed: boolean;
  /** The volumes removed with the container (inputs and enclave storage). */
  volumes: string[];
  /** The image reference released with --remove. */
  image: string | null;
  /** The app's restart policy, as --restart writes it. */
  restartPolicy: string;
  /** True when the engine starts the stopped app again at its own next start (policy `always`). */
  comesBackWithEngine: boolean;
}

export async function stopApp(request: StopRequest): Promise<StopResult> {
  const engine = request.engine ?? (await connectDocker());
  const app = await getAppContainer(engine, request.name);
  const wasRunning = app.running || app.status === "restarting" || app.status === "paused";
  if (wasRunning) await stopContainer(engine, app.id, request.graceSeconds ?? 10);
  const policy = {
    restartPolicy: formatRestartPolicy(app.restartPolicy),
    comesBackWithEngine: !request.remove && app.restartPolicy.name === "always",
  };
  if (!request.remove)
    return { name: app.name, wasRunning, removed: false, volumes: [], image: null, ...policy };
  const volumes = await removeAppContainer(engine, app);
  // Only the app's own tag is released; an image spawned under another reference is left alone.
  const image = isAppImageTag(app.labels.image) ? app.labels.image : null;
  if (image) await releaseAppImage(engine, image);
  return { name: app.name, wasRunning, removed: true, volumes, image, ...policy };
}

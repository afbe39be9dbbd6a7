// `msehome restart NAME`: restarts the app's container and waits until it serves again (a configured
// enclave finds its record in its storage volume and runs at once with the same certificate; one
// never configured waits for its configuration again, with a new certificate).
import { getAppContainer } from "../docker/appContainerLookup.js";
import { readAppContainer } from "../docker/appContainer.js";
import { restartContainer } from "../docker/container.js";
import { connectDocker } from "../docker/engine.js";
import { type AppWaitRequest, DEFAULT_APP_TIMEOUT_MS, waitForAppState } from "./appReadiness.js";
import type { AppProbe } from "./appState.js";

/** `timeoutMs` is how long to wait for the app to serve again. */
export interface RestartRequest extends AppWaitRequest {
  name: string;
}

export interface RestartResult {
  name: string;
  /** "waiting for secrets" or "running". */
  state: AppProbe["state"];
  detail: string;
}

export async function restartApp(request: RestartRequest): Promise<RestartResult> {
  const engine = request.engine ?? (await connectDocker());
  const app = await getAppContainer(engine, request.name);
  request.onPhase?.(`Restarting ${app.name}`);
  await restartContainer(engine, app.id);
  const probe = await waitForAppState(
    engine,
    await readAppContainer(engine, app.id),
    ["waiting for secrets", "running"],
    {
      during: "waiting for it to serve again after the restart",
      timeoutMs: request.timeoutMs ?? DEFAULT_APP_TIMEOUT_MS,
      ...(request.onProbe ? { onProbe: request.onProbe } : {}),
    },
  );
  return { name: app.name, state: probe.state, detail: probe.detail };
}

// The development server behind `msehome-dev --application module:export`: the code provider's app without an enclave, over plain
// HTTP on port 5000, for `msehome test-dev`. The code and the secret files are mounted where the
// enclave would put them (/opt/msehome/app, /opt/msehome/secrets/{secrets,sealed_secrets}.json),
// so the app resolves its dependencies and finds its secrets exactly as in production.
import { existsSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";
import { LaunchArgumentError } from "../model/launchArguments.js";
import { parseApplicationSpec } from "../model/mseToml.js";
import { loadApplication } from "./appLoader.js";
import { SEALED_SECRETS_FILE, SECRETS_FILE } from "./appConfiguration.js";
import { CONTAINER_LAYOUT, DEV_PORT } from "./layout.js";
import type { EntrypointIo } from "./entrypoint.js";

export const DEV_USAGE =
  "usage: msehome-dev --application <module:export> [--code <dir>] [--port <port>] [--host <address>]";

export interface DevServer {
  server: http.Server;
  port: number;
}

export async function startDevServer(argv: string[], io: EntrypointIo): Promise<DevServer> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        application: { type: "string" },
        code: { type: "string", default: CONTAINER_LAYOUT.appDir },
        port: { type: "string", default: String(DEV_PORT) },
        host: { type: "string", default: "0.0.0.0" },
      },
    });
  } catch (error) {
    throw new LaunchArgumentError(`${(error as Error).message}; ${DEV_USAGE}`);
  }
  const { values } = parsed;
  if (values.application === undefined)
    throw new LaunchArgumentError(`--application is required; ${DEV_USAGE}`);
  let application;
  try {
    application = parseApplicationSpec(values.application);
  } catch (error) {
    throw new LaunchArgumentError(`--application: ${(error as Error).message}`);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new LaunchArgumentError(`--port must be a TCP port, got "${values.port}"`);
  }
  for (const [variable, file] of [
    ["SECRETS_PATH", SECRETS_FILE],
    ["SEALED_SECRETS_PATH", SEALED_SECRETS_FILE],
  ] as const) {
    const fallback = path.join(CONTAINER_LAYOUT.secretsDir, file);
    if (process.env[variable] === undefined && existsSync(fallback)) process.env[variable] = fallback;
  }
  const listener = await loadApplication(values.code, application, "http");
  const server = http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, values.host, () => resolve());
  });
  const bound = (server.address() as { port: number }).port;
  io.log(`development mode (no enclave): ${values.application} serves plain HTTP on port ${bound}`);
  return { server, port: bound };
}

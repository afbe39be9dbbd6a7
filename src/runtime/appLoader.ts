// Loads the code provider's app (`module:export`) and turns it into a Node request listener:
// the export is either a request listener `(req, res) => void` (plain http, Express) or an
// object with `fetch(Request): Response | Promise<Response>` (Hono and other Web-standard apps).
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";

export interface FetchHandler {
  fetch(request: Request): Response | Promise<Response>;
}

export class AppLoadError extends Error {
  override name = "AppLoadError";
}

/** Resolves `module` inside `appDir`, refusing anything that would leave it. */
async function resolveModule(appDir: string, modulePath: string): Promise<string> {
  const root = path.resolve(appDir);
  const file = path.resolve(root, modulePath);
  if (path.isAbsolute(modulePath) || (file !== root && !file.startsWith(root + path.sep))) {
    throw new AppLoadError(`the application module "${modulePath}" is outside the code directory`);
  }
  try {
    if (!(await stat(file)).isFile()) throw new Error("not a file");
  } catch {
    throw new AppLoadError(`the application module "${modulePath}" does not exist in the code directory`);
  }
  return file;
}

function isFetchHandler(value: unknown): value is FetchHandler {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { fetch?: unknown }).fetch === "function"
  );
}

/** Imports the module and returns a Node request listener for its export. */
export async function loadApplication(
  appDir: string,
  application: { module: string; exportName: string },
  scheme: "http" | "https",
): Promise<RequestListener> {
  const file = await resolveModule(appDir, application.module);
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new AppLoadError(`the application module "${application.module}" failed to load`, { cause: error });
  }
  if (!(application.exportName in namespace)) {
    throw new AppLoadError(
      `the application module "${application.module}" has no export "${application.exportName}"`,
    );
  }
  const exported = namespace[application.exportName];
  if (isFetchHandler(exported)) return fetchHandlerListener(exported, scheme);
  if (typeof exported === "function") return exported as RequestListener;
  throw new AppLoadError(
    `the export "${application.exportName}" of "${application.module}" is neither a request listener ` +
      "nor an object with a fetch(request) method",
  );
}

function toRequest(req: IncomingMessage, scheme: "http" | "https"): Request {
  const host = req.headers.host ?? "localhost";
  const url = new URL(req.url ?? "/", `${scheme}://${host}`);
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  }
  const method = req.method ?? "GET";
  const controller = new AbortController();
  req.on("close", () => {
    if (!req.complete) controller.abort();
  });
  const init: RequestInit & { duplex?: "half" } = { method, headers, signal: controller.signal };
  if (method !== "GET" && method !== "HEAD") {
    init.body = Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>;
    init.duplex = "half";
  }
  return new Request(url, init);
}

async function writeResponse(response: Response, res: ServerResponse, method: string): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  res.writeHead(response.status, response.statusText, headers);
  if (response.body === null || method === "HEAD") {
    res.end();
    return;
  }
  await pipeline(Readable.fromWeb(response.body as Parameters<typeof Readable.fromWeb>[0]), res);
}

/** Adapts a Web-standard fetch handler to Node's http server. */
export function fetchHandlerListener(handler: FetchHandler, scheme: "http" | "https"): RequestListener {
  return (req, res) => {
    const respond = async (): Promise<void> => {
      const response = await handler.fetch(toRequest(req, scheme));
      if (!(response instanceof Response))
        throw new AppLoadError("the fetch handler did not return a Response");
      await writeResponse(response, res, req.method ?? "GET");
    };
    respond().catch((error: unknown) => {
      process.stderr.write(`msehome: the application's fetch handler failed: ${describe(error)}\n`);
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end("Internal Server Error\n");
      } else {
        res.destroy();
      }
    });
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

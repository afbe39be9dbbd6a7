import http, { type RequestListener } from "node:http";
import { writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import { loadApplication } from "./appLoader.js";

const dir = tempDirPerTest("app");
let server: http.Server | undefined;

beforeEach(async () => {
  await writeFile(
    path.join(dir(), "listener.mjs"),
    `export const app = (req, res) => { res.setHeader("x-kind", "listener"); res.end("path " + req.url); };
     export default (req, res) => res.end("default");
     export const notAnApp = 42;`,
  );
  await writeFile(
    path.join(dir(), "web.mjs"),
    `export const app = { async fetch(request) {
       const body = request.method === "POST" ? await request.text() : "";
       const headers = new Headers({ "x-kind": "fetch" });
       headers.append("set-cookie", "a=1"); headers.append("set-cookie", "b=2");
       return new Response(request.method + " " + new URL(request.url).pathname + " " + body, { status: 201, headers });
     } };
     export const broken = { fetch() { throw new Error("boom"); } };`,
  );
  await writeFile(path.join(dir(), "throws.mjs"), `throw new Error("top-level failure");`);
});

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(listener: RequestListener): Promise<string> {
  server = http.createServer(listener);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("app loader", () => {
  it("serves a request-listener export", async () => {
    const base = await serve(
      await loadApplication(dir(), { module: "listener.mjs", exportName: "app" }, "http"),
    );
    const response = await fetch(`${base}/health?x=1`);
    expect(response.headers.get("x-kind")).toBe("listener");
    expect(await response.text()).toBe("path /health?x=1");
  });

  it("serves the default export", async () => {
    const base = await serve(
      await loadApplication(dir(), { module: "listener.mjs", exportName: "default" }, "http"),
    );
    expect(await (await fetch(base)).text()).toBe("default");
  });

  it("adapts a fetch handler, with request bodies, status and repeated headers", async () => {
    const base = await serve(await loadApplication(dir(), { module: "web.mjs", exportName: "app" }, "http"));
    const response = await fetch(`${base}/echo`, { method: "POST", body: "hello" });
    expect(response.status).toBe(201);
    expect(response.headers.get("x-kind")).toBe("fetch");
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await response.text()).toBe("POST /echo hello");
  });

  it("answers 500 when the fetch handler throws", async () => {
    const base = await serve(
      await loadApplication(dir(), { module: "web.mjs", exportName: "broken" }, "http"),
    );
    expect((await fetch(base)).status).toBe(500);
  });

  it.each([
    [{ module: "../outside.mjs", exportName: "app" }, /outside the code directory/],
    [{ module: "missing.mjs", exportName: "app" }, /does not exist/],
    [{ module: "listener.mjs", exportName: "nope" }, /has no export "nope"/],
    [
      { module: "listener.mjs", exportName: "notAnApp" },
      /neither a request listener nor an object with a fetch/,
    ],
    [{ module: "throws.mjs", exportName: "app" }, /failed to load/],
  ])("refuses %o with one sentence", async (application, message) => {
    await expect(loadApplication(dir(), application, "http")).rejects.toThrow(message);
  });
});

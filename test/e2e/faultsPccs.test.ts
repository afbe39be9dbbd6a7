// A PCCS that fails, as a user meets it through the CLI: a server error, garbage, a web page
// instead of collateral, no answer at all. Each ends in one sentence naming the URL, exit 1, in
// bounded time (the timeout is --pccs-timeout).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { VECTORS_DIR } from "../support/vectors.js";

const QUOTE = path.join(VECTORS_DIR, "intel-sgx-ra-quote.dat");

let server: Server | undefined;
const sockets = new Set<Socket>();

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

async function pccs(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  server.on("connection", (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Runs `quote verify` against the PCCS; returns its one error line after checking the exit code. */
async function verifyAgainst(url: string, extra: string[] = []): Promise<string> {
  const run = await runCli(["quote", "verify", QUOTE, "--pccs", url, ...extra]);
  expect(run.code, run.stderr).toBe(1);
  const lines = run.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stdout).toBe("");
  return lines[0]!;
}

describe("quote verify against a failing PCCS", () => {
  it("names the URL and the status of a server error", async () => {
    const url = await pccs((req, res) => {
      res.writeHead(500, "Internal Server Error");
      res.end("the cache database is locked");
    });
    expect(await verifyAgainst(url)).toMatch(
      new RegExp(
        `^error: .*PCCS request ${url}/sgx/certification/v4/\\S+ failed: HTTP 500 Internal Server Error \\(the cache database is locked\\)`,
      ),
    );
  }, 30_000);

  it("names the URL of a garbage answer", async () => {
    const url = await pccs((req, res) => {
      res.setHeader("Content-Type", "application/json");
      res.end(Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x22]));
    });
    expect(await verifyAgainst(url)).toMatch(
      new RegExp(
        `^error: .*PCCS request ${url}/sgx/certification/v4/\\S+ failed: the body \\(served as application/json\\) is not`,
      ),
    );
  }, 30_000);

  it("names the URL of a web page served instead of collateral", async () => {
    const url = await pccs((req, res) => {
      res.setHeader("Content-Type", "text/html");
      res.end("<html><body>Please sign in to the proxy</body></html>");
    });
    expect(await verifyAgainst(url)).toMatch(
      new RegExp(
        `^error: .*PCCS request ${url}/sgx/certification/v4/\\S+ failed: the body (is served as text/html|\\(served as text/html\\) is not)`,
      ),
    );
  }, 30_000);

  it("gives up on a PCCS that never answers after --pccs-timeout, naming the URL", async () => {
    const url = await pccs(() => undefined);
    const started = Date.now();
    expect(await verifyAgainst(url, ["--pccs-timeout", "0.5"])).toMatch(
      new RegExp(
        `^error: .*PCCS request ${url}/sgx/certification/v4/\\S+ failed: no complete answer within 500 ms \\(the PCCS timeout\\)`,
      ),
    );
    // Requests go in parallel: the whole command is bounded by one timeout and the process start.
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 30_000);

  it("refuses a timeout that is no number of seconds, as a usage error", async () => {
    const run = await runCli([
      "quote",
      "verify",
      QUOTE,
      "--pccs",
      "http://127.0.0.1:1",
      "--pccs-timeout",
      "soon",
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/the PCCS timeout must be a number of seconds/);
  }, 30_000);
});

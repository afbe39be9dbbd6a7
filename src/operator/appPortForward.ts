// A local port for programs that connect to the app by URL (the provider's tests): when the app is
// reached through an SSH tunnel, a listener on 127.0.0.1 forwards each connection through it.
import { createServer, type Socket } from "node:net";
import type { AppEndpoint } from "./appEndpoint.js";

export interface AppPort {
  /** Host and port to put in the app's URL. */
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The app as a host and port this machine's programs can dial: the endpoint itself when it is
 * reached directly, else a loopback listener piping every connection through `endpoint.dial`.
 */
export async function forwardAppPort(endpoint: AppEndpoint, directHost: string): Promise<AppPort> {
  const dial = endpoint.dial;
  if (!dial) return { host: directHost, port: endpoint.port, close: async () => undefined };
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.pause();
    dial().then(
      (tunnel) => {
        socket.pipe(tunnel).pipe(socket);
        tunnel.once("error", () => socket.destroy());
        tunnel.once("close", () => socket.destroy());
        socket.once("error", () => tunnel.destroy());
        socket.once("close", () => tunnel.destroy());
        socket.resume();
      },
      () => socket.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    host: "127.0.0.1",
    port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

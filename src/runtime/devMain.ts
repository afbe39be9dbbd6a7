// Entry module of `msehome-dev` (docker/base/bin/msehome-dev imports it): runs the development
// server until the container is stopped.
import { runEntrypoint } from "./entrypoint.js";
import { startDevServer } from "./devServer.js";

runEntrypoint("msehome-dev", async (argv, io) => {
  const { server } = await startDevServer(argv, io);
  await io.untilStopped();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

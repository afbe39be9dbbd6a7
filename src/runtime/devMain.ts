// Entry module of `msehome-dev` (docker/base/bin/msehome-dev imports it): runs the development
// server until the container is stopped.
import { runEntrypoint } from "./entrypoint.js";
import { DEV_USAGE, startDevServer } from "./devServer.js";

runEntrypoint("msehome-dev", async (argv, io) => {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${DEV_USAGE}\n`);
    return;
  }
  const { server } = await startDevServer(argv, io);
  await io.untilStopped();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

// Entry module inside the Gramine SGX enclave (the manifest's fixed argv names it): the same
// bootstrap as in simulation, attested through /dev/attestation.
import { parseLaunchArguments } from "../model/launchArguments.js";
import { startEnclave } from "./enclave.js";
import { runEntrypoint } from "./entrypoint.js";
import { GramineProvider } from "./gramineProvider.js";
import { CONTAINER_LAYOUT, CONTAINER_PORT } from "./layout.js";

runEntrypoint("msehome-enclave", async (argv, io) => {
  const args = parseLaunchArguments(argv);
  const provider = new GramineProvider();
  await provider.checkAvailable();
  io.log(`SGX enclave MRENCLAVE ${Buffer.from(await provider.measurement()).toString("hex")}`);
  const enclave = await startEnclave({
    args,
    layout: CONTAINER_LAYOUT,
    provider,
    port: CONTAINER_PORT,
    log: io.log,
  });
  await Promise.race([enclave.appServing.then(() => io.untilStopped()), io.untilStopped()]);
  await enclave.close();
});

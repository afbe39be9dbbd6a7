// Entry module of `msehome-run`, the app container's entrypoint: unpacks app.tar, then either
// prints the measurement (--dry-run) or boots the enclave — in process with the simulated
// platform (--simulation), or under Gramine on SGX hardware.
import { runEntrypoint } from "./entrypoint.js";
import { runContainer } from "./container.js";

runEntrypoint("msehome-run", (argv, io) => runContainer(argv, io));

// What `msehome-run` does in the app container, for both modes: unpack the code as shipped,
// then measure (dry-run), or boot the enclave until the container is stopped.
import { extractTarSafely } from "../package/safeExtract.js";
import { emptyDirectory } from "./emptyDirectory.js";
import { becomeEnclaveUser } from "./enclaveUser.js";
import type { EntrypointIo } from "./entrypoint.js";
import { gramineDryRun, runInGramine } from "./gramineLauncher.js";
import { LaunchArgumentError, parseLaunchArguments, type LaunchArguments } from "../model/launchArguments.js";
import { measuredArguments, RUN_USAGE } from "./launchArguments.js";
import { CONTAINER_LAYOUT, CONTAINER_PORT, type RuntimeLayout } from "./layout.js";
import { formatMeasurement } from "./measurement.js";
import { computeMeasurementInWorker } from "./measurementWorker.js";

/** Code tars hold source files, not images: tighter limits than a package's. */
export const CODE_EXTRACT_LIMITS = {
  maxEntryBytes: 256 * 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
  maxEntries: 50_000,
};

export interface ContainerOptions {
  layout?: RuntimeLayout;
  port?: number;
  nodeBinary?: string;
  write?(text: string): void;
}

/**
 * Unpacks app.tar afresh into the code directory (a mount point, emptied first), so what runs (and
 * is measured) is always exactly what was shipped.
 */
export async function unpackCode(layout: RuntimeLayout): Promise<void> {
  await emptyDirectory(layout.codeDir);
  await extractTarSafely(layout.appTar, layout.codeDir, CODE_EXTRACT_LIMITS).catch((error: unknown) => {
    throw new Error(`cannot unpack the code at ${layout.appTar}`, { cause: error });
  });
}

export function simulationMeasurement(
  args: LaunchArguments,
  layout: RuntimeLayout,
  nodeBinary: string,
): Promise<Uint8Array> {
  return computeMeasurementInWorker({
    nodeBinary,
    runtimeDir: layout.runtimeDir,
    dependenciesDir: layout.dependenciesDir,
    codeDir: layout.codeDir,
    args: measuredArguments(args),
  });
}

export async function runContainer(
  argv: string[],
  io: EntrypointIo,
  options: ContainerOptions = {},
): Promise<void> {
  const layout = options.layout ?? CONTAINER_LAYOUT;
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  if (argv.includes("--help") || argv.includes("-h")) {
    write(`${RUN_USAGE}\n`);
    return;
  }
  let args: LaunchArguments;
  try {
    args = parseLaunchArguments(argv);
  } catch (error) {
    if (error instanceof LaunchArgumentError) throw new LaunchArgumentError(`${error.message}; ${RUN_USAGE}`);
    throw error;
  }
  if (!args.simulation && process.env.MSEHOME_SIMULATION_ONLY === "1") {
    throw new Error(
      "this base image is simulation-only (built offline, without Gramine): run with --simulation, " +
        "or build the SGX base image from docker/base/Dockerfile",
    );
  }
  // A simulated enclave's modules (the certificate and configuration server libraries: seconds on a
  // loaded machine) load on this thread while the code unpacks and is measured on a worker thread.
  const loadEnclave = () => Promise.all([import("./enclave.js"), import("./simulationProvider.js")]);
  const loading = args.simulation && !args.dryRun ? loadEnclave() : undefined;
  loading?.catch(() => undefined);
  await unpackCode(layout);

  if (!args.simulation) {
    if (args.dryRun) {
      write(await gramineDryRun(args, layout));
      return;
    }
    const code = await runInGramine(args, layout, io.log, io.untilStopped());
    if (code !== 0) throw new Error(`the Gramine enclave exited with code ${code}`);
    return;
  }

  const measuring = simulationMeasurement(args, layout, options.nodeBinary ?? process.execPath);
  if (args.dryRun) {
    write(formatMeasurement(await measuring));
    return;
  }
  const [mrEnclave, [{ startEnclave }, { SimulationProvider }]] = await Promise.all([
    measuring,
    loading ?? loadEnclave(),
  ]);
  io.log(
    "SIMULATION MODE: no SGX hardware protects this enclave; its quotes come from the simulated " +
      `platform at ${layout.simulationPlatformDir} and prove nothing about hardware`,
  );
  io.log(`simulated MRENCLAVE ${Buffer.from(mrEnclave).toString("hex")}`);
  // The platform's keys and the signer key are read while still root: the enclave user cannot.
  const provider = await SimulationProvider.open({
    platformDir: layout.simulationPlatformDir,
    signerKeyPath: layout.signerKey,
    mrEnclave,
    debug: args.debug,
  });
  if (layout.enclaveUser) await becomeEnclaveUser(layout, layout.enclaveUser);
  // The enclave starts in the app directory (Gramine's fs.start_dir).
  process.chdir(layout.appDir);
  const enclave = await startEnclave({
    args,
    layout,
    provider,
    port: options.port ?? CONTAINER_PORT,
    log: io.log,
  });
  const stopped = io.untilStopped();
  await Promise.race([enclave.appServing.then(() => stopped), stopped]);
  await enclave.close();
}

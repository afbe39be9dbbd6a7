// The simulated measurement computed on a worker thread: hashing the Node binary, the runtime and
// the code is most of an enclave's start, and the main thread loads the enclave's modules meanwhile.
// The same function measures the same files; only the thread differs.
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { computeMeasurement, type MeasurementInputs } from "./measurement.js";

/** Marks the worker data, so that this module measures only in a worker it started itself. */
const MEASUREMENT_TASK = "msehome-measurement-task";

interface MeasurementTask {
  task: typeof MEASUREMENT_TASK;
  inputs: MeasurementInputs;
}

/** computeMeasurement(inputs), on a worker thread. */
export function computeMeasurementInWorker(inputs: MeasurementInputs): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const task: MeasurementTask = { task: MEASUREMENT_TASK, inputs };
    const worker = new Worker(new URL(import.meta.url), { workerData: task });
    let settled = false;
    worker.once("message", (digest: Uint8Array) => {
      settled = true;
      resolve(new Uint8Array(digest));
    });
    worker.once("error", (error) => {
      settled = true;
      reject(error);
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`the measurement stopped early (exit code ${code})`));
    });
  });
}

const task = (isMainThread ? undefined : workerData) as MeasurementTask | undefined;
if (task?.task === MEASUREMENT_TASK && parentPort) {
  const port = parentPort;
  void computeMeasurement(task.inputs).then(
    (digest) => port.postMessage(digest),
    (error: unknown) => {
      // Rethrown outside the promise, the error reaches the parent as the worker's "error" event.
      setImmediate(() => {
        throw error;
      });
    },
  );
}

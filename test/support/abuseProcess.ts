// Runs one heavy abuse in a process of its own, so the client's own work does not delay the GETs a
// test times in its process. Started by `startAbuseProcess` (abuseClient.ts); reports over the IPC
// channel and exits.
//   flood <port> <count> <concurrency> <uuid> <marker>: POSTs hostile bodies; sends one PostFlood.
//   idle <port> <count> <holdMs>: opens idle TLS connections; sends { opened, heldAtOnce } once all
//     are open, then IdleSummary once all have ended.
import { hostileConfigurationBody, openIdleConnections, postFlood, type IdleSummary } from "./abuseClient.js";

const [task, port, ...args] = process.argv.slice(2);

function send(message: unknown): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

if (task === "flood") {
  const [count, concurrency, id, marker] = args;
  await send(
    await postFlood(Number(port), Number(count), Number(concurrency), (i) =>
      hostileConfigurationBody(i, id!, marker!),
    ),
  );
} else if (task === "idle") {
  const [count, holdMs] = args;
  const idle = await openIdleConnections(Number(port), Number(count), Number(holdMs));
  await send({ opened: idle.opened, heldAtOnce: idle.stillOpen() });
  const ends = await idle.ends;
  const summary: IdleSummary = {
    closedByServer: ends.filter((end) => end.closedByServer).length,
    answered408: ends.filter((end) => end.received.startsWith("HTTP/1.1 408")).length,
    longestMs: Math.max(0, ...ends.map((end) => end.afterMs)),
  };
  await send(summary);
}
process.exit(0);

// Benchmark of the simulated SGX platform: quote generation, collateral generation, and PCCS round trips.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PccsClient } from "../src/attestation/pccs.js";
import { collateralFor } from "../src/simulation/collateral.js";
import { initPlatform } from "../src/simulation/platform.js";
import { startPccsServer } from "../src/simulation/pccsServer.js";
import { generateQuote } from "../src/simulation/quotingEnclave.js";
import { SIMULATION_FMSPC } from "../src/simulation/tcbLevels.js";

// Targets: a quote well under the time a TLS handshake takes, collateral fast enough to serve per request.
const TARGET_MS = { quote: 5, collateral: 20, pccsRoundTrip: 50 };

async function measure(label: string, runs: number, target: number, body: () => unknown): Promise<void> {
  for (let i = 0; i < 5; i++) await body(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await body();
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / runs;
  process.stdout.write(
    `${label}: ${ms.toFixed(2)} ms/op (target < ${target} ms) ${ms < target ? "ok" : "MISSED"}\n`,
  );
}

const work = await mkdtemp(path.join(tmpdir(), "msehome-sim-bench-"));
try {
  const platform = await initPlatform(path.join(work, "platform"));
  const report = {
    mrEnclave: new Uint8Array(32),
    mrSigner: new Uint8Array(32),
    reportData: new Uint8Array(64),
  };
  await measure("generateQuote", 500, TARGET_MS.quote, () => generateQuote(platform, report));
  await measure("collateralFor", 200, TARGET_MS.collateral, () => collateralFor(platform));
  const server = await startPccsServer({ port: 0, platformDir: platform.dir, tls: false });
  try {
    const client = new PccsClient({ baseUrl: server.url });
    await measure("PCCS fetchCollateral (4 requests, HTTP)", 50, TARGET_MS.pccsRoundTrip, () =>
      client.fetchCollateral({ fmspc: SIMULATION_FMSPC, ca: "platform" }),
    );
  } finally {
    await server.close();
  }
  const rss = process.memoryUsage().rss / 1024 / 1024;
  process.stdout.write(`resident memory after the runs: ${rss.toFixed(0)} MiB\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}

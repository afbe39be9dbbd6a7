import { afterEach, describe, expect, it, vi } from "vitest";
import { RefusalLog } from "./refusalLog.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("refusal log", () => {
  it("logs the first refusals one line each, then counts them at most once per interval", () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const log = new RefusalLog((line) => lines.push(line), { detailedLines: 2, summaryIntervalMs: 1_000 });
    log.refused(401, "the uuid does not match this enclave's id");
    log.refused(400, "the configuration payload is not valid JSON");
    expect(lines).toEqual([
      "configuration refused (401): the uuid does not match this enclave's id",
      "configuration refused (400): the configuration payload is not valid JSON",
    ]);
    for (let i = 0; i < 5; i += 1) log.refused(401, "the uuid does not match this enclave's id");
    log.dropped("TLS handshakes failed or timed out");
    vi.advanceTimersByTime(999);
    expect(lines).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(lines.slice(2)).toEqual([
      "configuration server, since the last report: 5 requests refused with 401, 1 TLS handshakes failed or timed out",
    ]);
    vi.advanceTimersByTime(10_000);
    expect(lines).toHaveLength(3);
    log.dropped("connections over the limit closed at once");
    log.flush();
    expect(lines.slice(3)).toEqual([
      "configuration server, since the last report: 1 connections over the limit closed at once",
    ]);
  });

  it("writes nothing on flush when nothing is pending", () => {
    const lines: string[] = [];
    new RefusalLog((line) => lines.push(line)).flush();
    expect(lines).toEqual([]);
  });
});

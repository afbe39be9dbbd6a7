// What the configuration server tells the operator about the requests and connections it refuses:
// the first few refusals one line each, then counts at most once per interval, so a flood of
// hostile traffic cannot flood the log. Callers pass fixed sentences, never bytes they received.

/** A kind of refusal, counted in the summaries (`"401"`, `"TLS handshake failed"`, …). */
export type RefusalKind = string;

export interface RefusalLogOptions {
  /** Refused requests logged one line each before counting starts. */
  detailedLines?: number;
  /** Shortest time between two summary lines. */
  summaryIntervalMs?: number;
}

export class RefusalLog {
  private detailedLeft: number;
  private readonly summaryIntervalMs: number;
  private readonly pending = new Map<RefusalKind, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: (line: string) => void,
    options: RefusalLogOptions = {},
  ) {
    this.detailedLeft = options.detailedLines ?? 10;
    this.summaryIntervalMs = options.summaryIntervalMs ?? 10_000;
  }

  /** A request answered with an error status; `reason` must not quote the request. */
  refused(status: number, reason: string): void {
    if (this.detailedLeft > 0) {
      this.detailedLeft -= 1;
      this.log(`configuration refused (${status}): ${reason}`);
      return;
    }
    this.count(`requests refused with ${status}`);
  }

  /** A connection closed before any request was answered (over the limit, TLS or HTTP garbage, time-out). */
  dropped(kind: RefusalKind): void {
    this.count(kind);
  }

  /** Writes the pending counts now, if any. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const counts = [...this.pending].map(([kind, count]) => `${count} ${kind}`);
    this.pending.clear();
    this.log(`configuration server, since the last report: ${counts.join(", ")}`);
  }

  private count(kind: RefusalKind): void {
    this.pending.set(kind, (this.pending.get(kind) ?? 0) + 1);
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), this.summaryIntervalMs);
      this.timer.unref();
    }
  }
}

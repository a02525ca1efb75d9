import { SluiceError } from "../../core/errors.ts";
import type { IngestLogRepository, LogBacklog } from "../../core/ports/ingest-log.ts";

export interface BacklogBounds {
  maxSignals: number;
  maxAgeMs: number;
  retryAfterMs: number;
}

/**
 * What waits in the ingest log, read from the store every poll (so it counts every replica's appends)
 * and kept current in between with this process's own appends: the backpressure check and the
 * /metrics gauges read it without a query per request.
 */
export class LogBacklogMonitor {
  private last: LogBacklog = { entries: 0, signals: 0, oldestAppendedAt: null };
  private appendedSince = { entries: 0, signals: 0 };
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<LogBacklog> | null = null;

  constructor(
    private readonly log: Pick<IngestLogRepository, "backlog">,
    private readonly bounds: BacklogBounds & {
      /** Reads the store again when its last reading is older than this (on the next admit). */
      refreshMs: number;
    },
    private readonly now: () => number = Date.now,
  ) {}

  /** Reads the backlog from the store; appends made while it reads count again (an overestimate, never an under-). */
  refresh(): Promise<LogBacklog> {
    this.refreshing ??= (async () => {
      const since = { ...this.appendedSince };
      try {
        const read = await this.log.backlog();
        this.last = read;
        this.appendedSince = {
          entries: Math.max(0, this.appendedSince.entries - since.entries),
          signals: Math.max(0, this.appendedSince.signals - since.signals),
        };
        this.refreshedAt = this.now();
        return read;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  appended(entries: number, signals: number, at: number): void {
    this.appendedSince.entries += entries;
    this.appendedSince.signals += signals;
    if (this.last.oldestAppendedAt === null && this.last.entries === 0) this.last = { ...this.last, oldestAppendedAt: at };
  }

  /** The backlog as last read plus this process's appends since. */
  current(): LogBacklog {
    return {
      entries: this.last.entries + this.appendedSince.entries,
      signals: this.last.signals + this.appendedSince.signals,
      oldestAppendedAt: this.last.oldestAppendedAt,
    };
  }

  ageSeconds(): number {
    const oldest = this.current().oldestAppendedAt;
    return oldest === null ? 0 : Math.max(0, (this.now() - oldest) / 1000);
  }

  /**
   * How close the log is to refusing appends, 0 to 1: the larger of its depth over maxSignals and its
   * lag over maxAgeMs (the pipeline's share of the process and its slice grow with it).
   */
  pressure(): number {
    const { maxSignals, maxAgeMs } = this.bounds;
    return Math.min(1, Math.max(this.current().signals / maxSignals, (this.ageSeconds() * 1000) / maxAgeMs));
  }

  /** Refuses an append past the bounds: a retryable 503 that says which bound and by how much. */
  admit(signals: number): void {
    const { maxSignals, maxAgeMs, retryAfterMs, refreshMs } = this.bounds;
    if (this.now() - this.refreshedAt > refreshMs) void this.refresh().catch(() => undefined);
    const backlog = this.current();
    const retryAfterSeconds = Math.ceil(retryAfterMs / 1000);
    if (backlog.signals + signals > maxSignals) {
      throw new SluiceError(
        "OVERLOADED",
        `the ingest log holds ${backlog.signals} signals the pipeline has not applied yet (bound ingest.maxLogSignals = ${maxSignals}); nothing was stored, retry in ${retryAfterSeconds} s`,
        { retryAfterSeconds },
      );
    }
    const age = this.ageSeconds();
    if (age * 1000 > maxAgeMs) {
      throw new SluiceError(
        "OVERLOADED",
        `the pipeline is ${age.toFixed(1)} s behind the ingest log (bound ingest.maxLogAge = ${maxAgeMs / 1000} s); nothing was stored, retry in ${retryAfterSeconds} s`,
        { retryAfterSeconds },
      );
    }
  }
}

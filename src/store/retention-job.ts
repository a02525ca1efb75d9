import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import type { IngestDeadLetterRepository } from "../core/ports/ingest-dead-letters.ts";
import type { PruneCounts, Retention } from "../core/ports/retention.ts";

/** How long data is kept (ms; `incidents` 0 keeps resolved incidents forever) and how often to delete. */
export interface RetentionSettings {
  signals: number;
  incidents: number;
  /** Ingest dead letters, by their latest failure. */
  deadLetters: number;
  interval: number;
}

/** Rows deleted by kind, the ingest dead letters included. */
export type PassCounts = PruneCounts & { ingestDeadLetters: number };

// Rows per statement: about 6 ms of SQLite per chunk, the longest ingest waits on a pass (1,000 rows
// made it 15 ms; bench/retention.ts). Rows per kind per pass: enough to keep up with 10,000 signals/s
// at the default 10-minute interval (2.3 µs a row, about 2% of a core), while a backlog of months
// (retention switched on late) still drains over a few passes.
const CHUNK = 250;
const MAX_ROWS_PER_PASS = 10_000_000;

/**
 * Deletes, every `interval`, what `storage.retention` no longer keeps. Every replica may run it: the
 * deletes are idempotent and chunked, so two passes at once only share the work.
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly retention: Retention,
    private readonly clock: Clock,
    private readonly settings: RetentionSettings,
    private readonly deps: {
      logger: Logger;
      deleted(kind: keyof PassCounts, rows: number): void;
      /** The ingest log's dead letters; without it they are kept. */
      deadLetters?: Pick<IngestDeadLetterRepository, "prune">;
    },
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.running ??= this.pass()
        .catch((error) => this.deps.logger.error({ err: error }, "retention pass failed; the next one tries again"))
        .finally(() => {
          this.running = null;
        });
    }, this.settings.interval);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass under way. */
  async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass now; returns the rows deleted by kind. */
  async pass(now: number = this.clock.now()): Promise<PassCounts> {
    const { signals, incidents } = this.settings;
    const options = { chunk: CHUNK, maxRows: MAX_ROWS_PER_PASS };
    const counts: PassCounts = {
      ...(await this.retention.prune({ records: now - signals, incidents: incidents > 0 ? now - incidents : null }, options)),
      // Only dead letters: an ingest-log entry present is one the pipeline has not applied (it deletes each as it
      // applies it), so nothing of the log itself is old enough to delete.
      ingestDeadLetters: (await this.deps.deadLetters?.prune(now - this.settings.deadLetters, options)) ?? 0,
    };
    for (const [kind, rows] of Object.entries(counts) as [keyof PassCounts, number][]) {
      if (rows > 0) this.deps.deleted(kind, rows);
    }
    if (Object.values(counts).some((rows) => rows > 0)) this.deps.logger.info({ deleted: counts }, "retention pass");
    return counts;
  }
}

/**
 * A figure computed at each scrape of /metrics, except while ingest is busy. The SLI gauges read and compute
 * a day of incidents: in an incident storm that is a hundred thousand of them, seconds of reads (yielding in
 * chunks) and a computation that holds the event loop for tens of milliseconds, at every scrape, while every
 * sender waits for its acknowledgement. So while ingest is busy a scrape serves the last figures and starts a
 * refresh in the background only when they are older than `maxAgeMs`; when ingest is quiet (and for the
 * first figures) a scrape computes them before it answers, as before.
 */
export class RefreshWhileBusy {
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private running: Promise<void> | null = null;

  constructor(
    private readonly refresh: () => Promise<void>,
    private readonly options: { busy: () => boolean; maxAgeMs: number; now: () => number },
  ) {}

  /** Before a scrape: resolves when the figures are as fresh as the moment allows. */
  beforeScrape(): Promise<void> {
    const { busy, maxAgeMs, now } = this.options;
    const computed = this.refreshedAt !== Number.NEGATIVE_INFINITY;
    if (computed && busy()) {
      if (!this.running && now() - this.refreshedAt > maxAgeMs) void this.start().catch(() => undefined);
      return Promise.resolve();
    }
    return this.running ?? this.start();
  }

  private start(): Promise<void> {
    const started = this.options.now();
    this.running = this.refresh()
      .then(() => {
        this.refreshedAt = started;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }
}

/**
 * How busy ingest is, for background work that should give it the CPU first (investigations).
 * It belongs to the composition root's base, declared before ingest exists; ingest says where to look
 * once it is wired, so features declared earlier can ask without referring to a later one.
 */
export class IngestLoad {
  private waitingOf: () => number = () => 0;
  private lastRequestOf: () => number = () => Number.NEGATIVE_INFINITY;

  constructor(
    /** How long after the last request ingest still counts as busy: a stream of requests has gaps between them. */
    private readonly quietMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Ingest's count of signals waiting (for an acknowledgement, for a commit, or in the ingest log to be
   * applied) and, optionally, when its last request arrived.
   */
  measure(waiting: () => number, lastRequestAt?: () => number): void {
    this.waitingOf = waiting;
    if (lastRequestAt) this.lastRequestOf = lastRequestAt;
  }

  /** Signals wait, or a request arrived within the last `quietMs`. */
  busy(): boolean {
    return this.waitingOf() > 0 || this.now() - this.lastRequestOf() < this.quietMs;
  }
}

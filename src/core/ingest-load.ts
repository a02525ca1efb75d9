/**
 * How much ingest has waiting, for background work that should give it the CPU first (investigations).
 * It belongs to the composition root's base, declared before ingest exists; ingest says where to look
 * once it is wired, so features declared earlier can ask without referring to a later one.
 */
export class IngestLoad {
  private waitingOf: () => number = () => 0;

  /** Ingest's count of signals waiting: for an acknowledgement, for a commit, or in the ingest log to be applied. */
  measure(waiting: () => number): void {
    this.waitingOf = waiting;
  }

  busy(): boolean {
    return this.waitingOf() > 0;
  }
}

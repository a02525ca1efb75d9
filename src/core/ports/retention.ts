/** What is old enough to delete (epoch ms). */
export interface RetentionCutoffs {
  /**
   * Signals received before this, unless their incident is unresolved or was resolved after it (it may
   * still reopen, and its evidence is what people read); deploy changes before it; finished deliveries
   * and timers last touched before it.
   */
  records: number;
  /** Resolved incidents resolved before this, with their timeline, tickets, deliveries and signals; null: kept forever. */
  incidents: number | null;
}

/** Rows deleted, by kind. */
export type PruneCounts = Record<"signals" | "changes" | "deliveries" | "timers" | "incidents", number>;

/** Deletes what the retention settings no longer keep; both engines, any number of replicas at once. */
export interface Retention {
  /** One pass: at most `maxRows` rows of each kind, `chunk` rows per statement. */
  prune(cutoffs: RetentionCutoffs, options: { chunk: number; maxRows: number }): Promise<PruneCounts>;
}

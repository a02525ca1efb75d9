/** What the ingest log reports; the API layer backs it with Prometheus metrics. */
export interface LogMetrics {
  /** Entries applied by this process, each with the seconds from its append to its commit. */
  applied(lagSeconds: readonly number[]): void;
  /** Signals dead-lettered: `rejected` (the pipeline refused them), `attempts` (failing past maxAttempts), `unreadable`. */
  deadLettered(cause: "rejected" | "attempts" | "unreadable", signals: number): void;
}

export const noLogMetrics: LogMetrics = { applied: () => {}, deadLettered: () => {} };

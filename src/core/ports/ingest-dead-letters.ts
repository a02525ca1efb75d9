/** What became of a dead letter: waiting for an operator, appended to the ingest log again, or discarded. */
export const DEAD_LETTER_STATES = ["dead", "retried", "discarded"] as const;
export type DeadLetterState = (typeof DEAD_LETTER_STATES)[number];

/** Which dead letters an operator means; every field narrows. */
export interface DeadLetterFilter {
  /** Default: dead (those waiting). */
  states?: readonly DeadLetterState[];
  source?: string;
  /** Last failure at or after (epoch ms). */
  since?: number;
  /** Last failure at or before (epoch ms). */
  until?: number;
  /** A case-insensitive part of the reason. */
  reason?: string;
  ids?: readonly number[];
}

/** One dead letter as listed: everything but its signals. */
export interface DeadLetterSummary {
  /** The position its entry had in the ingest log. */
  id: number;
  state: DeadLetterState;
  source: string;
  signalCount: number;
  reason: string;
  /** When its signals were first appended to the log. */
  appendedAt: number;
  /** Its first dead-lettering (of the first dead letter, when this one is a retry that failed again). */
  firstFailedAt: number;
  /** Its latest dead-lettering. */
  lastFailedAt: number;
  /** Claims by the pipeline, over every retry. */
  attempts: number;
  /** The dead letter this one is a failed retry of. */
  retryOf: number | null;
  /** When and by whom it was retried or discarded. */
  resolvedAt: number | null;
  resolvedBy: string | null;
}

/** One dead letter with its redacted signals and, once retried, what became of the retry. */
export interface DeadLetterDetail extends DeadLetterSummary {
  /** The redacted signals, as the log held them (JSON text). */
  body: string;
  /** Once retried: still waiting in the log, and the dead letters of its signals that failed again (none: applied). */
  retry: { pending: boolean; deadAgain: number[] } | null;
}

/** What waits for an operator: the /metrics gauges. */
export interface DeadLetterBacklog {
  entries: number;
  signals: number;
  /** The latest failure of the oldest waiting dead letter; null when none waits. */
  oldestFailedAt: number | null;
}

/** A dead letter an action moved out of `dead`. */
export interface ResolvedDeadLetter {
  id: number;
  signals: number;
}

/**
 * The ingest log's dead letters (issue 18): read, retried (appended to the log again, as a new entry that
 * names the dead letter) and discarded by operators, and deleted by retention. Every action moves only
 * dead letters in state `dead`, atomically, so two operators acting at once never retry one twice.
 */
export interface IngestDeadLetterRepository {
  /** Newest first (highest id), `before` the previous page's last id. */
  list(filter: DeadLetterFilter, page: { limit: number; before?: number }): Promise<{ items: DeadLetterSummary[] }>;
  get(id: number): Promise<DeadLetterDetail | null>;
  /** Appends each waiting one of `ids` to the ingest log again (free for any consumer) and marks it retried. */
  retry(ids: readonly number[], now: number, actor: string): Promise<ResolvedDeadLetter[]>;
  /** Marks each waiting one of `ids` discarded. */
  discard(ids: readonly number[], now: number, actor: string): Promise<ResolvedDeadLetter[]>;
  backlog(): Promise<DeadLetterBacklog>;
  /** Deletes dead letters (any state) last failed before `cutoff`: `chunk` rows a statement, at most `maxRows`. */
  prune(cutoff: number, options: { chunk: number; maxRows: number }): Promise<number>;
}

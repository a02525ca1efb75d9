/** One request's (or Kafka record batch's) signals as appended to the ingest log. */
export interface NewLogEntry {
  source: string;
  appendedAt: number;
  signalCount: number;
  /** The redacted signals, as JSON text. */
  body: string;
  /** Already claimed by the appending process until then (it applies the entry itself); 0 leaves it to any consumer. */
  leaseUntil: number;
}

/** An entry not yet applied, as a consumer claims it. */
export interface LogEntry {
  position: number;
  source: string;
  appendedAt: number;
  signalCount: number;
  body: string;
  /** Claims so far, this one included. */
  attempts: number;
}

/** What is waiting in the log: the backpressure and /metrics figures. */
export interface LogBacklog {
  entries: number;
  signals: number;
  /** When the oldest entry not yet applied was appended; null when the log is empty. */
  oldestAppendedAt: number | null;
}

export interface DeadLetter {
  position: number;
  source: string;
  appendedAt: number;
  deadAt: number;
  signalCount: number;
  attempts: number;
  reason: string;
}

/**
 * The durable ingest log (issue 18). Entries are deleted by the transaction that applies them (see
 * ChangeSet.consumeLog), so every entry present is one the pipeline has not applied yet.
 */
export interface IngestLogRepository {
  /**
   * Appends in one transaction; resolves once committed, with the entries' positions and `durable`
   * resolving once the commit is on disk (a 202 waits for it).
   */
  append(entries: readonly NewLogEntry[]): Promise<{ positions: number[]; durable: Promise<void> }>;
  /** Leases free (or abandoned) entries, oldest first; a row another replica is claiming is passed over. */
  claim(now: number, limit: number, leaseMs: number): Promise<LogEntry[]>;
  /** Gives a claimed entry back, to be claimed again from `retryAt`, noting why it failed. */
  release(position: number, retryAt: number, error: string): Promise<void>;
  /**
   * Replaces an entry by one entry per signal (appended at the end, free), so the signal that cannot be
   * applied can be dead-lettered alone. False when the entry was gone (applied elsewhere).
   */
  split(position: number, bodies: readonly string[], now: number): Promise<boolean>;
  /** Moves an entry to the dead letters with its reason, in one transaction. False when it was gone. */
  deadLetter(position: number, reason: string, now: number): Promise<boolean>;
  /** Whether the entry is still waiting (not applied, not dead-lettered). */
  pending(position: number): Promise<boolean>;
  backlog(): Promise<LogBacklog>;
  deadLetters(limit: number): Promise<DeadLetter[]>;
}

/**
 * A change set named a log entry that is no longer there: another consumer applied it (or dead-lettered
 * it) first. Nothing of the change set was written; not a conflict to plan again.
 */
export class LogEntryGone extends Error {
  constructor(readonly positions: readonly number[]) {
    super(`ingest-log entries ${positions.join(", ")} were already applied by another consumer`);
    this.name = "LogEntryGone";
  }
}

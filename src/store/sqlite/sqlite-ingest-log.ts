import type Database from "better-sqlite3";
import {
  type DeadLetter,
  type IngestLogRepository,
  type LogBacklog,
  type LogEntry,
  LogEntryGone,
  type NewLogEntry,
} from "../../core/ports/ingest-log.ts";
import { type EntryRow, entryOf } from "../ingest-log-rows.ts";

/**
 * The lease of an entry nobody holds: due at once (any clock reads later), and a 6-byte integer like every
 * real lease. SQLite overwrites a row in place when its record keeps its size, skipping the overflow pages
 * that did not change; a lease growing from 0 (no bytes) to a timestamp (6) rewrote the entry's whole
 * body at every claim (measured: 53 KB of WAL per claim of a 100-signal entry, 8 KB in place).
 */
export const UNLEASED = 2 ** 32;

/**
 * The ingest log on the one SQLite connection: prepared statements in synchronous transactions (the
 * append is the acknowledgement's hot path), made durable by the store's WAL fsync.
 */
export class SqliteIngestLog implements IngestLogRepository {
  private readonly appendTx: (entries: readonly NewLogEntry[]) => number[];
  private readonly claimTx: (now: number, limit: number, leaseMs: number) => LogEntry[];
  private readonly splitTx: (position: number, bodies: readonly string[]) => boolean;
  private readonly deadLetterTx: (position: number, reason: string, now: number) => boolean;
  private readonly deleteEntry: Database.Statement;
  private readonly releaseEntry: Database.Statement;
  private readonly pendingEntry: Database.Statement;
  private readonly backlogRow: Database.Statement;
  private readonly deadLetterRows: Database.Statement;

  constructor(
    raw: Database.Database,
    private readonly durable: () => Promise<void>,
  ) {
    // run() and its rowid rather than RETURNING: the same position, one result row less per entry.
    const insert = raw.prepare(
      "INSERT INTO ingest_log (appended_at, source, signal_count, body, lease_until, attempts) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.appendTx = raw.transaction((entries: readonly NewLogEntry[]) =>
      entries.map((e) =>
        Number(
          insert.run(
            e.appendedAt,
            e.source,
            e.signalCount,
            e.body,
            e.leaseUntil > 0 ? e.leaseUntil : UNLEASED,
            e.leaseUntil > 0 ? 1 : 0,
          ).lastInsertRowid,
        ),
      ),
    );
    const due = raw.prepare("SELECT position FROM ingest_log WHERE lease_until <= ? ORDER BY position LIMIT CAST(? AS INTEGER)");
    const lease = raw.prepare(
      "UPDATE ingest_log SET lease_until = ?, attempts = attempts + 1 WHERE position = ? RETURNING position, source, appended_at, signal_count, body, attempts",
    );
    this.claimTx = raw.transaction((now: number, limit: number, leaseMs: number) => {
      const positions = (due.all(now, limit) as { position: number }[]).map((r) => r.position);
      return positions.map((p) => entryOf(lease.get(now + leaseMs, p) as EntryRow));
    });
    this.deleteEntry = raw.prepare("DELETE FROM ingest_log WHERE position = ?");
    const readEntry = raw.prepare(
      "SELECT position, source, appended_at, signal_count, body, attempts, last_error, retry_of FROM ingest_log WHERE position = ?",
    );
    // A retry's pieces still name the dead letter they retry.
    const insertPiece = raw.prepare(
      `INSERT INTO ingest_log (appended_at, source, signal_count, body, lease_until, attempts, retry_of) VALUES (?, ?, 1, ?, ${UNLEASED}, 0, ?)`,
    );
    this.splitTx = raw.transaction((position: number, bodies: readonly string[]) => {
      const row = readEntry.get(position) as EntryRow | undefined;
      if (!row) return false;
      this.deleteEntry.run(position);
      for (const body of bodies) insertPiece.run(Number(row.appended_at), row.source, body, row.retry_of ?? null);
      return true;
    });
    // A retry failing again carries the dead letter it retried: first append, first failure, attempts so far.
    const insertDead = raw.prepare(
      `INSERT INTO ingest_dead_letters
         (position, appended_at, dead_at, source, signal_count, body, attempts, reason, retry_of, first_dead_at)
       SELECT @position, COALESCE(prior.appended_at, @appendedAt), @now, @source, @signalCount, @body,
         @attempts + COALESCE(prior.attempts, 0), @reason, @retryOf, COALESCE(prior.first_dead_at, prior.dead_at, @now)
       FROM (SELECT 1) AS one LEFT JOIN ingest_dead_letters AS prior ON prior.position = @retryOf`,
    );
    this.deadLetterTx = raw.transaction((position: number, reason: string, now: number) => {
      const row = readEntry.get(position) as EntryRow | undefined;
      if (!row) return false;
      this.deleteEntry.run(position);
      insertDead.run({
        position,
        appendedAt: row.appended_at,
        now,
        source: row.source,
        signalCount: row.signal_count,
        body: row.body,
        attempts: row.attempts,
        reason,
        retryOf: row.retry_of ?? null,
      });
      return true;
    });
    this.releaseEntry = raw.prepare("UPDATE ingest_log SET lease_until = ?, last_error = ? WHERE position = ?");
    this.pendingEntry = raw.prepare("SELECT 1 FROM ingest_log WHERE position = ?").pluck();
    // Counts kept by triggers and the oldest append from its index (migration 0020): no scan of the backlog.
    this.backlogRow = raw.prepare(
      "SELECT entries, signals, (SELECT MIN(appended_at) FROM ingest_log) AS oldest FROM ingest_log_totals WHERE id = 1",
    );
    this.deadLetterRows = raw.prepare(
      "SELECT position, source, appended_at, dead_at, signal_count, attempts, reason FROM ingest_dead_letters ORDER BY dead_at DESC, position DESC LIMIT CAST(? AS INTEGER)",
    );
  }

  async append(entries: readonly NewLogEntry[]): Promise<{ positions: number[]; durable: Promise<void> }> {
    const positions = entries.length > 0 ? this.appendTx(entries) : [];
    return { positions, durable: this.durable() };
  }

  async claim(now: number, limit: number, leaseMs: number): Promise<LogEntry[]> {
    return limit > 0 ? this.claimTx(now, limit, leaseMs) : [];
  }

  async release(position: number, retryAt: number, error: string): Promise<void> {
    this.releaseEntry.run(retryAt, error, position);
  }

  async split(position: number, bodies: readonly string[]): Promise<boolean> {
    return this.splitTx(position, bodies);
  }

  async deadLetter(position: number, reason: string, now: number): Promise<boolean> {
    return this.deadLetterTx(position, reason, now);
  }

  async pending(position: number): Promise<boolean> {
    return this.pendingEntry.get(position) !== undefined;
  }

  async backlog(): Promise<LogBacklog> {
    const row = this.backlogRow.get() as { entries: number; signals: number; oldest: number | null };
    return {
      entries: Number(row.entries),
      signals: Number(row.signals),
      oldestAppendedAt: row.oldest === null ? null : Number(row.oldest),
    };
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    return (this.deadLetterRows.all(limit) as (EntryRow & { dead_at: number; reason: string })[]).map((row) => ({
      position: Number(row.position),
      source: row.source,
      appendedAt: Number(row.appended_at),
      deadAt: Number(row.dead_at),
      signalCount: Number(row.signal_count),
      attempts: Number(row.attempts),
      reason: row.reason,
    }));
  }

  /** Inside the applying transaction: deletes the entries it applies, refusing it if one is gone. */
  consume(positions: readonly number[]): void {
    const gone = positions.filter((p) => this.deleteEntry.run(p).changes !== 1);
    if (gone.length > 0) throw new LogEntryGone(gone);
  }
}

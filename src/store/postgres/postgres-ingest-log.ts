import { type Kysely, sql, type Transaction } from "kysely";
import {
  type DeadLetter,
  type IngestLogRepository,
  type LogBacklog,
  type LogEntry,
  LogEntryGone,
  type NewLogEntry,
} from "../../core/ports/ingest-log.ts";
import { type EntryRow, entryOf } from "../ingest-log-rows.ts";
import type { Tables } from "../rows.ts";

/**
 * The ingest log on PostgreSQL: set-based appends, and claims that lock the rows they pick (SKIP
 * LOCKED), so two replicas never lease one entry; a commit is durable when it returns.
 */
export class PostgresIngestLog implements IngestLogRepository {
  constructor(private readonly db: Kysely<Tables>) {}

  async append(entries: readonly NewLogEntry[]): Promise<{ positions: number[]; durable: Promise<void> }> {
    if (entries.length === 0) return { positions: [], durable: Promise.resolve() };
    const { rows } = await sql<{ position: string }>`
      INSERT INTO ingest_log (appended_at, source, signal_count, body, lease_until, attempts)
      SELECT * FROM unnest(${entries.map((e) => e.appendedAt)}::bigint[], ${entries.map((e) => e.source)}::text[],
        ${entries.map((e) => e.signalCount)}::int[], ${entries.map((e) => e.body)}::text[],
        ${entries.map((e) => e.leaseUntil)}::bigint[], ${entries.map((e) => (e.leaseUntil > 0 ? 1 : 0))}::int[])
      RETURNING position`.execute(this.db);
    // unnest keeps its order and RETURNING follows the rows inserted; sorted positions match the entries' order.
    return { positions: rows.map((r) => Number(r.position)).sort((a, b) => a - b), durable: Promise.resolve() };
  }

  async claim(now: number, limit: number, leaseMs: number): Promise<LogEntry[]> {
    if (limit <= 0) return [];
    // The repeated condition refuses a row whose lease another replica took between the subquery and the lock.
    const { rows } = await sql<EntryRow>`
      UPDATE ingest_log SET lease_until = ${now + leaseMs}, attempts = attempts + 1
      WHERE position IN (
        SELECT position FROM ingest_log WHERE lease_until <= ${now} ORDER BY position LIMIT ${limit} FOR UPDATE SKIP LOCKED
      ) AND lease_until <= ${now}
      RETURNING position, source, appended_at, signal_count, body, attempts`.execute(this.db);
    return rows.map(entryOf).sort((a, b) => a.position - b.position);
  }

  async release(position: number, retryAt: number, error: string): Promise<void> {
    await sql`UPDATE ingest_log SET lease_until = ${retryAt}, last_error = ${error} WHERE position = ${position}`.execute(
      this.db,
    );
  }

  async split(position: number, bodies: readonly string[]): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const row = await takeEntry(trx, position);
      if (!row) return false;
      // A retry's pieces still name the dead letter they retry.
      for (const body of bodies) {
        await sql`
          INSERT INTO ingest_log (appended_at, source, signal_count, body, lease_until, attempts, retry_of)
          VALUES (${Number(row.appended_at)}, ${row.source}, 1, ${body}, 0, 0, ${row.retry_of ?? null})`.execute(trx);
      }
      return true;
    });
  }

  async deadLetter(position: number, reason: string, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const row = await takeEntry(trx, position);
      if (!row) return false;
      // A retry failing again carries the dead letter it retried: first append, first failure, attempts so far.
      const retryOf = row.retry_of == null ? null : Number(row.retry_of);
      await sql`
        INSERT INTO ingest_dead_letters
          (position, appended_at, dead_at, source, signal_count, body, attempts, reason, retry_of, first_dead_at)
        SELECT CAST(${position} AS bigint), COALESCE(prior.appended_at, CAST(${Number(row.appended_at)} AS bigint)),
          CAST(${now} AS bigint), CAST(${row.source} AS text), CAST(${row.signal_count} AS integer), CAST(${row.body} AS text),
          CAST(${row.attempts} AS integer) + COALESCE(prior.attempts, 0), CAST(${reason} AS text),
          CAST(${retryOf} AS bigint), COALESCE(prior.first_dead_at, prior.dead_at, CAST(${now} AS bigint))
        FROM (SELECT 1) AS one LEFT JOIN ingest_dead_letters AS prior ON prior.position = CAST(${retryOf} AS bigint)`.execute(
        trx,
      );
      return true;
    });
  }

  async pending(position: number): Promise<boolean> {
    const { rows } = await sql`SELECT 1 FROM ingest_log WHERE position = ${position}`.execute(this.db);
    return rows.length > 0;
  }

  async backlog(): Promise<LogBacklog> {
    const { rows } = await sql<{ entries: string; signals: string; oldest: string | null }>`
      SELECT COUNT(*) AS entries, COALESCE(SUM(signal_count), 0) AS signals, MIN(appended_at) AS oldest FROM ingest_log`.execute(
      this.db,
    );
    const row = rows[0];
    return {
      entries: Number(row?.entries ?? 0),
      signals: Number(row?.signals ?? 0),
      oldestAppendedAt: row?.oldest == null ? null : Number(row.oldest),
    };
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    const { rows } = await sql<EntryRow & { dead_at: string; reason: string }>`
      SELECT position, source, appended_at, dead_at, signal_count, attempts, reason FROM ingest_dead_letters
      ORDER BY dead_at DESC, position DESC LIMIT ${limit}`.execute(this.db);
    return rows.map((row) => ({
      position: Number(row.position),
      source: row.source,
      appendedAt: Number(row.appended_at),
      deadAt: Number(row.dead_at),
      signalCount: Number(row.signal_count),
      attempts: Number(row.attempts),
      reason: row.reason,
    }));
  }
}

/**
 * Inside the applying transaction: deletes the entries it applies, refusing it if one is gone. A
 * concurrent consumer deleting the same row makes this one wait for it, then find nothing.
 */
export async function consumeLogEntries(trx: Transaction<Tables>, positions: readonly number[]): Promise<void> {
  if (positions.length === 0) return;
  const { rows } = await sql<{ position: string }>`
    DELETE FROM ingest_log WHERE position = ANY(${positions.map(String)}::bigint[]) RETURNING position`.execute(trx);
  if (rows.length === positions.length) return;
  const deleted = new Set(rows.map((r) => Number(r.position)));
  throw new LogEntryGone(positions.filter((p) => !deleted.has(p)));
}

/** Removes one entry from the log in `trx` and returns it (undefined when another replica took it first). */
async function takeEntry(trx: Transaction<Tables>, position: number): Promise<EntryRow | undefined> {
  const { rows } = await sql<EntryRow>`
    DELETE FROM ingest_log WHERE position = ${position}
    RETURNING position, source, appended_at, signal_count, body, attempts, retry_of`.execute(trx);
  return rows[0];
}

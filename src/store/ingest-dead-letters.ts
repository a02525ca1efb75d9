import { type Kysely, type RawBuilder, sql } from "kysely";
import type {
  DeadLetterBacklog,
  DeadLetterDetail,
  DeadLetterFilter,
  DeadLetterState,
  DeadLetterSummary,
  IngestDeadLetterRepository,
  ResolvedDeadLetter,
} from "../core/ports/ingest-dead-letters.ts";
import type { Tables } from "./rows.ts";

/** Appends waiting dead letters to the ingest log again and marks them retried, atomically (one per engine). */
export type RetryDeadLetters = (ids: readonly number[], now: number, actor: string) => Promise<ResolvedDeadLetter[]>;

interface LetterRow {
  position: string | number;
  state: string;
  source: string;
  signal_count: string | number;
  reason: string;
  appended_at: string | number;
  first_dead_at: string | number;
  dead_at: string | number;
  attempts: string | number;
  retry_of: string | number | null;
  resolved_at: string | number | null;
  resolved_by: string | null;
}

const COLUMNS = sql`position, state, source, signal_count, reason, appended_at, COALESCE(first_dead_at, dead_at) AS first_dead_at,
  dead_at, attempts, retry_of, resolved_at, resolved_by`;
// Every state, so the (state, dead_at) index serves a condition on dead_at alone.
const ANY_STATE = sql`state IN ('dead', 'retried', 'discarded')`;
const orNull = (value: string | number | null): number | null => (value === null ? null : Number(value));

function summaryOf(row: LetterRow): DeadLetterSummary {
  return {
    id: Number(row.position),
    state: row.state as DeadLetterState,
    source: row.source,
    signalCount: Number(row.signal_count),
    reason: row.reason,
    appendedAt: Number(row.appended_at),
    firstFailedAt: Number(row.first_dead_at),
    lastFailedAt: Number(row.dead_at),
    attempts: Number(row.attempts),
    retryOf: orNull(row.retry_of),
    resolvedAt: orNull(row.resolved_at),
    resolvedBy: row.resolved_by,
  };
}

/** LIKE's wildcards and the escape character taken literally. */
const likeText = (text: string) => text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);

function conditions(filter: DeadLetterFilter, before?: number): RawBuilder<unknown> {
  // PostgreSQL text cannot hold NUL (it refuses such a parameter): no stored source or reason has one.
  if (`${filter.source ?? ""}${filter.reason ?? ""}`.includes("\u0000")) return sql`1 = 0`;
  const parts: RawBuilder<unknown>[] = [sql`state IN (${sql.join(filter.states ?? ["dead"])})`];
  if (filter.source !== undefined) parts.push(sql`source = ${filter.source}`);
  if (filter.since !== undefined) parts.push(sql`dead_at >= ${filter.since}`);
  if (filter.until !== undefined) parts.push(sql`dead_at <= ${filter.until}`);
  if (filter.reason !== undefined) parts.push(sql`lower(reason) LIKE ${`%${likeText(filter.reason)}%`} ESCAPE '\\'`);
  if (filter.ids !== undefined) parts.push(filter.ids.length > 0 ? sql`position IN (${sql.join(filter.ids)})` : sql`1 = 0`);
  if (before !== undefined) parts.push(sql`position < ${before}`);
  return sql.join(parts, sql` AND `);
}

/**
 * The dead letters on either engine: reads, discards and retention in shared SQL; the retry, which moves
 * rows between two tables atomically, is the engine's (`RetryDeadLetters`).
 */
export class KyselyIngestDeadLetters implements IngestDeadLetterRepository {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly retryWith: RetryDeadLetters,
  ) {}

  async list(filter: DeadLetterFilter, page: { limit: number; before?: number }): Promise<{ items: DeadLetterSummary[] }> {
    const { rows } = await sql<LetterRow>`
      SELECT ${COLUMNS} FROM ingest_dead_letters WHERE ${conditions(filter, page.before)}
      ORDER BY position DESC LIMIT ${page.limit}`.execute(this.db);
    return { items: rows.map(summaryOf) };
  }

  async get(id: number): Promise<DeadLetterDetail | null> {
    const { rows } = await sql<LetterRow & { body: string }>`
      SELECT ${COLUMNS}, body FROM ingest_dead_letters WHERE position = ${id}`.execute(this.db);
    const row = rows[0];
    if (!row) return null;
    let retry: DeadLetterDetail["retry"] = null;
    if (row.state === "retried") {
      const [pending, again] = await Promise.all([
        sql<{ one: number }>`SELECT 1 AS one FROM ingest_log WHERE retry_of = ${id} LIMIT 1`.execute(this.db),
        sql<{ position: string | number }>`
          SELECT position FROM ingest_dead_letters WHERE retry_of = ${id} ORDER BY position`.execute(this.db),
      ]);
      retry = { pending: pending.rows.length > 0, deadAgain: again.rows.map((r) => Number(r.position)) };
    }
    return { ...summaryOf(row), body: row.body, retry };
  }

  retry(ids: readonly number[], now: number, actor: string): Promise<ResolvedDeadLetter[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.retryWith(ids, now, actor);
  }

  async discard(ids: readonly number[], now: number, actor: string): Promise<ResolvedDeadLetter[]> {
    if (ids.length === 0) return [];
    // The state condition makes the update the check: of two operators at once, one discards each letter.
    const { rows } = await sql<{ position: string | number; signal_count: string | number }>`
      UPDATE ingest_dead_letters SET state = 'discarded', resolved_at = ${now}, resolved_by = ${actor}
      WHERE position IN (${sql.join(ids)}) AND state = 'dead'
      RETURNING position, signal_count`.execute(this.db);
    return rows.map((r) => ({ id: Number(r.position), signals: Number(r.signal_count) })).sort((a, b) => a.id - b.id);
  }

  async backlog(): Promise<DeadLetterBacklog> {
    const { rows } = await sql<{ entries: string | number; signals: string | number; oldest: string | number | null }>`
      SELECT COUNT(*) AS entries, COALESCE(SUM(signal_count), 0) AS signals, MIN(dead_at) AS oldest
      FROM ingest_dead_letters WHERE state = 'dead'`.execute(this.db);
    const row = rows[0];
    return {
      entries: Number(row?.entries ?? 0),
      signals: Number(row?.signals ?? 0),
      oldestFailedAt: row?.oldest == null ? null : Number(row.oldest),
    };
  }

  async prune(cutoff: number, options: { chunk: number; maxRows: number }): Promise<number> {
    let deleted = 0;
    while (deleted < options.maxRows) {
      const limit = Math.min(options.chunk, options.maxRows - deleted);
      const result = await sql`
        DELETE FROM ingest_dead_letters WHERE position IN (
          SELECT position FROM ingest_dead_letters WHERE ${ANY_STATE} AND dead_at < ${cutoff} LIMIT ${limit})`.execute(this.db);
      const n = Number(result.numAffectedRows ?? 0n);
      deleted += n;
      if (n < limit) break;
      // SQLite answers synchronously: step aside for pending I/O between chunks (see retention.ts).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return deleted;
  }
}

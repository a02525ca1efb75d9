import { type Kysely, sql } from "kysely";
import type { RetryDeadLetters } from "../ingest-dead-letters.ts";
import type { Tables } from "../rows.ts";

/**
 * Retries on PostgreSQL in one statement: the update's state condition locks and re-checks each row, so
 * of two replicas retrying one dead letter at once only one appends it to the log again.
 */
export function postgresRetryDeadLetters(db: Kysely<Tables>): RetryDeadLetters {
  return async (ids, now, actor) => {
    // Appended now: the log's age (its backpressure bound) counts from the retry, not the first failure.
    const { rows } = await sql<{ retry_of: string; signal_count: number }>`
      WITH taken AS (
        UPDATE ingest_dead_letters SET state = 'retried', resolved_at = ${now}, resolved_by = ${actor}
        WHERE position = ANY(${ids.map(String)}::bigint[]) AND state = 'dead'
        RETURNING position, source, signal_count, body
      )
      INSERT INTO ingest_log (appended_at, source, signal_count, body, lease_until, attempts, retry_of)
      SELECT CAST(${now} AS bigint), source, signal_count, body, 0, 0, position FROM taken ORDER BY position
      RETURNING retry_of, signal_count`.execute(db);
    return rows.map((r) => ({ id: Number(r.retry_of), signals: Number(r.signal_count) })).sort((a, b) => a.id - b.id);
  };
}

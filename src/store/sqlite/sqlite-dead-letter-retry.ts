import type Database from "better-sqlite3";
import type { ResolvedDeadLetter } from "../../core/ports/ingest-dead-letters.ts";
import type { RetryDeadLetters } from "../ingest-dead-letters.ts";

/**
 * Retries on the one SQLite connection: each waiting dead letter is marked retried and appended to the log
 * again (free for the consumer, naming it) in one synchronous transaction; resolves once that is on disk.
 */
export function sqliteRetryDeadLetters(raw: Database.Database, durable: () => Promise<void>): RetryDeadLetters {
  const take = raw.prepare(
    `UPDATE ingest_dead_letters SET state = 'retried', resolved_at = ?, resolved_by = ?
     WHERE position = ? AND state = 'dead' RETURNING position, source, signal_count, body`,
  );
  const append = raw.prepare(
    "INSERT INTO ingest_log (appended_at, source, signal_count, body, lease_until, attempts, retry_of) VALUES (?, ?, ?, ?, 0, 0, ?)",
  );
  const retryTx = raw.transaction((ids: readonly number[], now: number, actor: string) => {
    const moved: ResolvedDeadLetter[] = [];
    for (const id of [...ids].sort((a, b) => a - b)) {
      const row = take.get(now, actor, id) as
        | { position: number; source: string; signal_count: number; body: string }
        | undefined;
      if (!row) continue;
      // Appended now: the log's age (its backpressure bound) counts from the retry, not the first failure.
      append.run(now, row.source, row.signal_count, row.body, row.position);
      moved.push({ id: Number(row.position), signals: Number(row.signal_count) });
    }
    return moved;
  });
  return async (ids, now, actor) => {
    const moved = retryTx(ids, now, actor);
    if (moved.length > 0) await durable();
    return moved;
  };
}

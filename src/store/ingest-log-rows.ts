import type { LogEntry } from "../core/ports/ingest-log.ts";

/** An ingest_log row as either engine returns it (PostgreSQL's bigints arrive as strings). */
export interface EntryRow {
  position: string | number;
  source: string;
  appended_at: string | number;
  signal_count: number;
  body: string;
  attempts: number;
  /** The dead letter this entry retries (migration 0016); read only where dead letters are written. */
  retry_of?: string | number | null;
}

export const entryOf = (row: EntryRow): LogEntry => ({
  position: Number(row.position),
  source: row.source,
  appendedAt: Number(row.appended_at),
  signalCount: Number(row.signal_count),
  body: row.body,
  attempts: Number(row.attempts),
});

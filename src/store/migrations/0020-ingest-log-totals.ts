import { type Kysely, PostgresAdapter, sql } from "kysely";

// The ingest log's backlog (entries, signals, oldest append) is read every poll for the backpressure bound
// and /metrics. As COUNT / SUM / MIN over the table it read every entry, bodies included: O(backlog) on the
// event loop, about 20 ms a read at 150,000 waiting entries, right when a storm has filled the log. SQLite
// keeps the counts in a one-row table its triggers update in the transaction that appends or deletes an
// entry (whatever the path: append, claim and apply, split, dead-letter, retry), and the oldest append comes
// from an index. PostgreSQL keeps the scan: a row every replica's append updates would serialize them.
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  await sql`CREATE TABLE ingest_log_totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    entries INTEGER NOT NULL,
    signals INTEGER NOT NULL
  )`.execute(db);
  await sql`INSERT INTO ingest_log_totals (id, entries, signals)
    SELECT 1, COUNT(*), COALESCE(SUM(signal_count), 0) FROM ingest_log`.execute(db);
  await sql`CREATE TRIGGER ingest_log_totals_append AFTER INSERT ON ingest_log BEGIN
    UPDATE ingest_log_totals SET entries = entries + 1, signals = signals + NEW.signal_count WHERE id = 1;
  END`.execute(db);
  await sql`CREATE TRIGGER ingest_log_totals_remove AFTER DELETE ON ingest_log BEGIN
    UPDATE ingest_log_totals SET entries = entries - 1, signals = signals - OLD.signal_count WHERE id = 1;
  END`.execute(db);
  await sql`CREATE TRIGGER ingest_log_totals_recount AFTER UPDATE OF signal_count ON ingest_log BEGIN
    UPDATE ingest_log_totals SET signals = signals - OLD.signal_count + NEW.signal_count WHERE id = 1;
  END`.execute(db);
  await db.schema.createIndex("ingest_log_appended").on("ingest_log").column("appended_at").execute();
}

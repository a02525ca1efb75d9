import { type Kysely, sql } from "kysely";

// Operators see, retry and discard the ingest log's dead letters (issue 18).
// - `ingest_dead_letters.state`: dead (waiting for someone), retried (appended to the log again) or
//   discarded; with who did it and when. Rows are kept, so what happened to a signal stays readable
//   until storage.retention.deadLetters deletes it.
// - `retry_of` on both tables: a retried dead letter is appended to the log again as a new entry that names
//   it; should it fail again, its new dead letter names the one retried, and carries its first append,
//   first failure and attempts so far. A retry is only ever an operator's, so a signal failing for good never loops.
// - `first_dead_at`: the first failure of the chain (dead_at is the latest); rows before this took theirs.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("ingest_log").addColumn("retry_of", "bigint").execute();
  const letters = db.schema.alterTable("ingest_dead_letters");
  await letters.addColumn("state", "text", (c) => c.notNull().defaultTo("dead")).execute();
  await letters.addColumn("first_dead_at", "bigint").execute();
  await letters.addColumn("resolved_at", "bigint").execute();
  await letters.addColumn("resolved_by", "text").execute();
  await letters.addColumn("retry_of", "bigint").execute();
  await sql`UPDATE ingest_dead_letters SET first_dead_at = dead_at`.execute(db);
  // The gauges (waiting ones), the list by state and retention by age.
  await db.schema.createIndex("ingest_dead_letters_state").on("ingest_dead_letters").columns(["state", "dead_at"]).execute();
  // What became of a retry: the dead letters that name it.
  await sql`CREATE INDEX ingest_dead_letters_retry_of ON ingest_dead_letters (retry_of) WHERE retry_of IS NOT NULL`.execute(db);
}

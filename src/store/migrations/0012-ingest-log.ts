import { type Kysely, PostgresAdapter } from "kysely";

// The durable ingest log (issue 18): a request's redacted signals are appended here and acknowledged;
// the pipeline consumer applies them behind it and deletes each entry in the transaction that writes
// its effects, so an entry present is exactly one not yet applied. Deleting rather than moving a
// high-water mark keeps PostgreSQL correct when appends from two replicas commit out of position order.
// An entry the pipeline cannot apply moves to ingest_dead_letters with its reason.
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable("ingest_log")
    .addColumn("position", postgres ? "bigint" : "integer", (c) =>
      postgres ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn("appended_at", "bigint", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("signal_count", "integer", (c) => c.notNull())
    // The redacted signals, as JSON.
    .addColumn("body", "text", (c) => c.notNull())
    // Claimed by a consumer until then (0: free); a crashed consumer's claim simply expires.
    .addColumn("lease_until", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_error", "text")
    .execute();
  await db.schema
    .createTable("ingest_dead_letters")
    .addColumn("position", "bigint", (c) => c.primaryKey())
    .addColumn("appended_at", "bigint", (c) => c.notNull())
    .addColumn("dead_at", "bigint", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("signal_count", "integer", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .execute();
}

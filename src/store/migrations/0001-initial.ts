import { type Kysely, PostgresAdapter, sql } from "kysely";

// Timestamps are epoch milliseconds (integers) so SQLite and PostgreSQL compare them the same way.
// The one schema serves both engines; where they differ (generated ids, float width) the PostgreSQL
// branch says so, and the SQLite DDL stays exactly what shipped in the embedded store.
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable("incidents")
    .addColumn("id", "text", (c) => c.primaryKey())
    // SQLite numbers incidents inside its single-writer transaction; replicas of PostgreSQL draw
    // from one identity sequence instead (gaps after a rollback, never a duplicate).
    .addColumn("number", "integer", (c) => (postgres ? c.notNull().unique().generatedAlwaysAsIdentity() : c.notNull().unique()))
    .addColumn("fingerprint", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("tenant", "text", (c) => c.notNull())
    .addColumn("service", "text", (c) => c.notNull())
    .addColumn("environment", "text", (c) => c.notNull())
    .addColumn("error_pattern", "text", (c) => c.notNull())
    .addColumn("severity", "text", (c) => c.notNull())
    .addColumn("priority", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("first_seen_at", "bigint", (c) => c.notNull())
    .addColumn("last_seen_at", "bigint", (c) => c.notNull())
    .addColumn("signal_count", "integer", (c) => c.notNull())
    .addColumn("escalation_level", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("platforms", "text", (c) => c.notNull())
    .addColumn("matched_rule", "text", (c) => c.notNull())
    .addColumn("summary", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("acknowledged_at", "bigint")
    .addColumn("resolved_at", "bigint")
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  // At most one unresolved incident per fingerprint: the database, not memory, holds that truth.
  await sql`CREATE UNIQUE INDEX incidents_open_fingerprint ON incidents (fingerprint) WHERE state <> 'resolved'`.execute(db);
  await db.schema.createIndex("incidents_service").on("incidents").columns(["service", "created_at"]).execute();

  await db.schema
    .createTable("signals")
    // Signals are written far more than read, and never looked up by id: the rowid is the key, and
    // each index skipped is one B-tree write less per signal.
    .addColumn("seq", postgres ? "bigint" : "integer", (c) =>
      postgres ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey(),
    )
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("source_id", "text", (c) => c.notNull())
    .addColumn("received_at", "bigint", (c) => c.notNull())
    .addColumn("occurred_at", "bigint", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("tenant", "text", (c) => c.notNull())
    .addColumn("service", "text", (c) => c.notNull())
    .addColumn("environment", "text", (c) => c.notNull())
    .addColumn("severity", "text", (c) => c.notNull())
    // SQLite's REAL is 8 bytes; PostgreSQL's is 4, which would round scores.
    .addColumn("score", postgres ? "double precision" : "real")
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("error_pattern", "text", (c) => c.notNull())
    .addColumn("fingerprint", "text", (c) => c.notNull())
    .addColumn("alert_key", "text")
    .addColumn("trace_id", "text")
    .addColumn("outcome", "text", (c) => c.notNull())
    .addColumn("outcome_reason", "text")
    .addColumn("incident_id", "text")
    .addColumn("detail", "text", (c) => c.notNull())
    .addUniqueConstraint("signals_source_id", ["source", "source_id"])
    .execute();
  await db.schema.createIndex("signals_incident").on("signals").columns(["incident_id", "occurred_at"]).execute();

  await db.schema
    .createTable("incident_alerts")
    .addColumn("incident_id", "text", (c) => c.notNull())
    .addColumn("alert_key", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("incident_alerts_pk", ["incident_id", "alert_key"])
    .execute();

  await db.schema
    .createTable("timeline")
    .addColumn("id", postgres ? "bigint" : "integer", (c) =>
      postgres ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn("incident_id", "text", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("detail", "text", (c) => c.notNull())
    .addColumn("rule", "text")
    .execute();
  await db.schema.createIndex("timeline_incident").on("timeline").columns(["incident_id", "id"]).execute();

  await db.schema
    .createTable("tickets")
    .addColumn("incident_id", "text", (c) => c.notNull())
    .addColumn("platform", "text", (c) => c.notNull())
    .addColumn("external_id", "text", (c) => c.notNull())
    .addColumn("url", "text")
    .addColumn("synced_state", "text", (c) => c.notNull())
    .addColumn("meta", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("tickets_pk", ["incident_id", "platform"])
    .execute();

  await db.schema
    .createTable("deliveries")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("incident_id", "text", (c) => c.notNull())
    .addColumn("platform", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("idempotency_key", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "bigint", (c) => c.notNull())
    .addColumn("lease_until", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("last_error", "text")
    .addColumn("detail", "text", (c) => c.notNull())
    .addColumn("caused_at", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("deliveries_due").on("deliveries").columns(["status", "next_attempt_at"]).execute();
  await db.schema.createIndex("deliveries_incident").on("deliveries").columns(["incident_id", "platform", "id"]).execute();
}

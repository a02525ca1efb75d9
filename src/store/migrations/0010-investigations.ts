import type { Kysely } from "kysely";

// Investigations are durable jobs, one row per incident: whichever process is alive claims a queued or
// abandoned one, and the primary key keeps two investigations of one incident from running at once.
// Reports are versioned: a re-investigation adds a row, earlier ones stay readable.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("investigation_jobs")
    .addColumn("incident_id", "text", (c) => c.primaryKey())
    .addColumn("trigger", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("requested_at", "bigint", (c) => c.notNull())
    .addColumn("lease_until", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    // Requested again while running: queued again when the running one finishes.
    .addColumn("again", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex("investigation_jobs_due").on("investigation_jobs").columns(["status", "requested_at"]).execute();
  await db.schema
    .createTable("investigation_reports")
    .addColumn("incident_id", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("outcome", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("investigation_reports_pk", ["incident_id", "version"])
    .execute();
}

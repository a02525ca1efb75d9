import type { Kysely } from "kysely";

// Timers (escalations, later reminders) are rows, not setTimeouts: whichever process is alive claims
// them, so they survive restarts and work with several replicas.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("timers")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("incident_id", "text", (c) => c.notNull())
    .addColumn("step", "integer", (c) => c.notNull())
    .addColumn("due_at", "bigint", (c) => c.notNull())
    .addColumn("lease_until", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("timers_due").on("timers").columns(["status", "due_at"]).execute();
  await db.schema.createIndex("timers_incident").on("timers").columns(["incident_id", "status"]).execute();
  // A new signal looks for the latest resolved incident of its fingerprint, to reopen it.
  await db.schema.createIndex("incidents_fingerprint_resolved").on("incidents").columns(["fingerprint", "resolved_at"]).execute();
  // Whether the summary is the deterministic template or an LLM's rewrite of it.
  await db.schema
    .alterTable("incidents")
    .addColumn("summary_source", "text", (c) => c.notNull().defaultTo("template"))
    .execute();
  // Inbound sync finds incidents by the platform's own ticket id: the one Sluice stored, or a second id
  // the platform uses in some of its events (PagerDuty's incident id next to the dedup_key).
  await db.schema.alterTable("tickets").addColumn("platform_id", "text").execute();
  await db.schema.createIndex("tickets_external").on("tickets").columns(["platform", "external_id"]).execute();
  await db.schema.createIndex("tickets_platform_id").on("tickets").columns(["platform", "platform_id"]).execute();
}

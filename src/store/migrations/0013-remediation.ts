import type { Kysely } from "kysely";

// Remediation runs with their guardrails in the database (src/store/remediation-repository.ts): the
// idempotency key is unique (a retried trigger or a restarted process finds the run, never makes a second),
// `active_target` is unique while a run is unfinished (one run per target), limits are counted from
// `executed_at`. The kill switch and playbooks disabled for a service have tables of their own.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("remediation_runs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("incident_id", "text", (c) => c.notNull())
    .addColumn("playbook", "text", (c) => c.notNull())
    .addColumn("service", "text", (c) => c.notNull())
    .addColumn("environment", "text", (c) => c.notNull())
    .addColumn("target", "text", (c) => c.notNull())
    .addColumn("attempt", "integer", (c) => c.notNull())
    .addColumn("idempotency_key", "text", (c) => c.notNull().unique())
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("active_target", "text", (c) => c.unique())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("lease_until", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("plan", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("approved_by", "text")
    .addColumn("executed_at", "bigint")
    .addColumn("verify_started_at", "bigint")
    .addColumn("holding_since", "bigint")
    .addColumn("finished_at", "bigint")
    .addColumn("detail", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("failure", "text")
    .addColumn("undo", "text")
    .addColumn("success", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("human_acted", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("reopened", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex("remediation_runs_due").on("remediation_runs").columns(["state", "lease_until"]).execute();
  await db.schema.createIndex("remediation_runs_executed").on("remediation_runs").columns(["playbook", "executed_at"]).execute();
  await db.schema.createIndex("remediation_runs_incident").on("remediation_runs").columns(["incident_id"]).execute();
  await db.schema
    .createTable("remediation_control")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("paused", "integer", (c) => c.notNull())
    .addColumn("changed_by", "text")
    .addColumn("changed_at", "bigint")
    .execute();
  await db.schema
    .createTable("remediation_disabled")
    .addColumn("playbook", "text", (c) => c.notNull())
    .addColumn("service", "text", (c) => c.notNull())
    // Null while enabled; the row stays to remember when it was re-enabled (failures before it no longer count).
    .addColumn("disabled_at", "bigint")
    .addColumn("reason", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("enabled_at", "bigint")
    .addColumn("enabled_by", "text")
    .addPrimaryKeyConstraint("remediation_disabled_pk", ["playbook", "service"])
    .execute();
}

import type { Kysely } from "kysely";

// Traces arrive span by span, from every service, at any replica: the spans are rows, and so is each
// trace's assembly state, so whichever replica finds a trace quiet analyses it (once, under a lease).
// The dependency graph is counters per minute bucket, upserted by that analysis, so every replica
// reads the same graph. Everything here is short-lived: a cleanup deletes it past its retention.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("spans")
    .addColumn("trace_id", "text", (c) => c.notNull())
    .addColumn("span_id", "text", (c) => c.notNull())
    .addColumn("parent_id", "text")
    .addColumn("service", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("start_us", "bigint", (c) => c.notNull())
    .addColumn("end_us", "bigint", (c) => c.notNull())
    .addColumn("error", "integer", (c) => c.notNull())
    .addColumn("error_message", "text")
    .addColumn("peer", "text")
    .addColumn("user_id", "text")
    .addColumn("received_at", "bigint", (c) => c.notNull())
    // Exporters retry: the same span twice is one row.
    .addPrimaryKeyConstraint("spans_pk", ["trace_id", "span_id"])
    .execute();
  await db.schema.createIndex("spans_received").on("spans").column("received_at").execute();

  await db.schema
    .createTable("traces")
    .addColumn("trace_id", "text", (c) => c.primaryKey())
    .addColumn("tenant", "text", (c) => c.notNull())
    .addColumn("environment", "text", (c) => c.notNull())
    .addColumn("first_received_at", "bigint", (c) => c.notNull())
    .addColumn("last_received_at", "bigint", (c) => c.notNull())
    .addColumn("span_count", "integer", (c) => c.notNull())
    .addColumn("error", "integer", (c) => c.notNull())
    // pending: spans arrived since the last analysis; signal: counted, its signal not yet submitted; done.
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("lease_until", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("root_service", "text")
    .addColumn("analysis", "text")
    .execute();
  await db.schema.createIndex("traces_due").on("traces").columns(["status", "last_received_at"]).execute();
  await db.schema.createIndex("traces_received").on("traces").column("first_received_at").execute();

  await db.schema
    .createTable("service_edges")
    .addColumn("tenant", "text", (c) => c.notNull())
    .addColumn("environment", "text", (c) => c.notNull())
    .addColumn("bucket", "bigint", (c) => c.notNull())
    .addColumn("caller", "text", (c) => c.notNull())
    .addColumn("callee", "text", (c) => c.notNull())
    .addColumn("requests", "bigint", (c) => c.notNull())
    .addColumn("errors", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("service_edges_pk", ["tenant", "environment", "bucket", "caller", "callee"])
    .execute();

  // reached = '' counts every trace through the service; any other value, those that went on to reach it.
  await db.schema
    .createTable("service_reach")
    .addColumn("tenant", "text", (c) => c.notNull())
    .addColumn("environment", "text", (c) => c.notNull())
    .addColumn("bucket", "bigint", (c) => c.notNull())
    .addColumn("service", "text", (c) => c.notNull())
    .addColumn("reached", "text", (c) => c.notNull())
    .addColumn("traces", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("service_reach_pk", ["tenant", "environment", "bucket", "service", "reached"])
    .execute();
  await db.schema.createIndex("service_edges_bucket").on("service_edges").column("bucket").execute();
  await db.schema.createIndex("service_reach_bucket").on("service_reach").column("bucket").execute();
  // Joining upstream symptoms asks which of a few services have an unresolved incident.
  await db.schema.createIndex("incidents_open_service").on("incidents").columns(["service", "state"]).execute();
}

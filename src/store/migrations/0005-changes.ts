import type { Kysely } from "kysely";

// Deploys and configuration changes, kept apart from signals: they never open incidents, they explain
// them. Enrichment asks for "changes of these services between t1 and t2" (changes_service_at); the
// deploy-suppression cache reloads recent deploys of every service (changes_kind_at).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("changes")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("source_id", "text", (c) => c.notNull())
    .addColumn("tenant", "text", (c) => c.notNull())
    .addColumn("service", "text", (c) => c.notNull())
    .addColumn("environment", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("summary", "text", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("version", "text")
    .addColumn("author", "text")
    .addColumn("url", "text")
    .addColumn("labels", "text", (c) => c.notNull())
    .addColumn("received_at", "bigint", (c) => c.notNull())
    .execute();
  // A re-sent change (same upstream system and id) is the same change: the database refuses the copy.
  await db.schema.createIndex("changes_source_id").unique().on("changes").columns(["source", "source_id"]).execute();
  await db.schema.createIndex("changes_service_at").on("changes").columns(["service", "at"]).execute();
  await db.schema.createIndex("changes_kind_at").on("changes").columns(["kind", "at"]).execute();
}

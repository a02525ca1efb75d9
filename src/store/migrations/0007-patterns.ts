import type { Kysely } from "kysely";

// Mined error patterns, shared by every replica: the fingerprint of a signal uses its pattern's id,
// so that id must survive restarts and be the same in every process (docs/adr/0006-pattern-ids.md).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("patterns")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("shape", "text", (c) => c.notNull())
    .addColumn("template", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  // A process about to create a pattern first reads the patterns of its shape.
  await db.schema.createIndex("patterns_shape").on("patterns").column("shape").execute();
  // Processes poll for patterns others created or generalised.
  await db.schema.createIndex("patterns_updated").on("patterns").column("updated_at").execute();
}

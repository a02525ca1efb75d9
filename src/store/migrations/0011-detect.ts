import type { Kysely } from "kysely";

// Detection rules (src/detect): detector state per rule and series survives restarts (no re-learning),
// and one lease row per rule lets exactly one replica evaluate it at a time.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("detect_leases")
    .addColumn("rule", "text", (c) => c.primaryKey())
    .addColumn("owner", "text", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("evaluated_until", "bigint")
    .execute();
  await db.schema
    .createTable("detect_states")
    .addColumn("rule", "text", (c) => c.notNull())
    .addColumn("series", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("detect_states_pk", ["rule", "series"])
    .execute();
}

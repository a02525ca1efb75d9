import type { Kysely } from "kysely";

// `deliveries.request`: what a delivery sends, fixed on its first attempt, so a retry after a crash
// sends the same bytes and a receiver's de-duplication always recognises it (src/delivery/frozen-request.ts).
// `instance_keys`: keys Sluice generates once and every replica shares, such as the one affected users are
// hashed with (src/redact/keyed-hash.ts), so hashes stay the same across restarts and replicas.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("deliveries").addColumn("request", "text").execute();
  await db.schema
    .createTable("instance_keys")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
}

import type { Kysely } from "kysely";

// The outbox claims due rows `ORDER BY next_attempt_at, id`. With `deliveries_due` on (status,
// next_attempt_at) only, every row of one next_attempt_at had to be read and sorted by id before the first
// could be returned, and new rows all share next_attempt_at 0: each claim read the whole pending backlog
// (a storm's thousands of first tickets: about 0.7 ms a claim at 2,000 pending, so claiming them all grew
// with the square of the backlog). With the id in the index the rows come out in claim order and the
// LIMIT stops the scan. The old index is a prefix of the new one, so it goes: one index per row still.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex("deliveries_due_order").on("deliveries").columns(["status", "next_attempt_at", "id"]).execute();
  await db.schema.dropIndex("deliveries_due").execute();
}

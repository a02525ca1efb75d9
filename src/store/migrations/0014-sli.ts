import type { Kysely } from "kysely";

// The ticketing SLIs (src/api/stats) read the incidents created in a time range at every /metrics scrape
// and for GET /api/stats: by creation time, without a scan of every incident ever stored.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex("incidents_created").on("incidents").column("created_at").execute();
}

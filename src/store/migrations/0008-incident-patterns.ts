import { type Kysely, sql } from "kysely";

// An incident names the mined pattern it was opened for, so its error pattern follows the pattern's
// template as it generalises, and similar incidents match by pattern, not by the text each one saw
// first. Null for incidents keyed by a source's own identity (alerts) and those opened before this.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("incidents").addColumn("pattern_id", "text").execute();
  // A generalised template is written to the unresolved incidents of its pattern.
  await sql`CREATE INDEX incidents_open_pattern ON incidents (pattern_id) WHERE state <> 'resolved'`.execute(db);
  // Similar incidents of the same pattern.
  await db.schema.createIndex("incidents_pattern").on("incidents").columns(["pattern_id", "resolved_at"]).execute();
}

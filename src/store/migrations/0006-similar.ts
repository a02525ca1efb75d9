import { type Kysely, sql } from "kysely";

// Similar-incident candidates are the tenant's recently resolved incidents, newest first. A partial
// index keeps that read off a full scan as incidents accumulate, and costs nothing while an incident
// is open. The "same service or same error pattern first" part filters this range instead of having
// indexes of its own: the error pattern can be as long as a message, past PostgreSQL's limit for a
// B-tree entry, and an OR is only served by an index when both sides have one.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX incidents_resolved_recent ON incidents (tenant, resolved_at) WHERE state = 'resolved'`.execute(db);
}

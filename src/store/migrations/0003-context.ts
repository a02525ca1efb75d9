import type { Kysely } from "kysely";

// What enrichment learned about an incident (owner, changes, similar incidents, traces, affected
// users) as one JSON document: it is read with the incident and never queried by its parts.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("incidents")
    .addColumn("context", "text", (c) => c.notNull().defaultTo("{}"))
    .execute();
}

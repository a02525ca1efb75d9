import type { Kysely } from "kysely";

// `deliveries.investigation`: the investigation report (and the version it supersedes) an investigation
// delivery carries, as JSON, so each connector renders it in its platform's own form (an ADF comment, a work
// note, Block Kit) and every retry renders the same report. Null for every other delivery.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("deliveries").addColumn("investigation", "text").execute();
}

import { createHash } from "node:crypto";
import { type Kysely, sql, type Transaction } from "kysely";
import {
  type ChoosePattern,
  MAX_TEMPLATE_CHARS,
  type PatternClaim,
  type PatternMerge,
  type PatternTemplateChange,
  type StoredPattern,
} from "../../core/ports/pattern-repository.ts";
import {
  byId,
  followMergesAsync,
  KyselyPatterns,
  MAX_CANDIDATES,
  MERGED,
  patternFromRow,
  rowOf,
} from "../patterns-repository.ts";
import type { Tables } from "../rows.ts";

// Advisory-lock keys of pattern shapes: (class, hash of the shape), so they never meet other users of advisory locks.
const LOCK_CLASS = 0x53_4c_50_54; // "SLPT"

function shapeLock(shape: string): number {
  return createHash("sha256").update(shape).digest().readInt32BE(0);
}

/**
 * PostgreSQL: replicas claim under a transaction-scoped advisory lock per shape, so of two replicas
 * creating a pattern for the same problem at once, the second sees the first's and takes it.
 */
export class PostgresPatterns extends KyselyPatterns {
  async merge(merges: readonly PatternMerge[]): Promise<void> {
    if (merges.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const merge of [...merges].sort(byId)) {
        if (merge.id === merge.into) continue;
        await trx
          .updateTable("patterns")
          .set({ shape: `${MERGED}${merge.into}`, updated_at: merge.at })
          .where("id", "=", merge.id)
          .where(sql<boolean>`substr(shape, 1, ${MERGED.length}) <> ${MERGED}`)
          .execute();
      }
    });
  }

  async claim(claims: readonly PatternClaim[], choose: ChoosePattern): Promise<StoredPattern[]> {
    if (claims.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      const shapes = [...new Set(claims.map((c) => c.shape))];
      // Locks taken in one order by every replica cannot deadlock.
      const locks = [...new Set(shapes.map(shapeLock))].sort((a, b) => a - b);
      for (const key of locks) await sql`SELECT pg_advisory_xact_lock(${LOCK_CLASS}::int4, ${key}::int4)`.execute(trx);
      const byShape = new Map<string, StoredPattern[]>(shapes.map((s) => [s, []]));
      const rows = await trx
        .selectFrom("patterns")
        .selectAll()
        .where("shape", "in", shapes)
        .orderBy("created_at")
        .orderBy("id")
        .limit(MAX_CANDIDATES * shapes.length)
        .execute();
      for (const row of rows) byShape.get(row.shape)?.push(patternFromRow(row));
      const results: StoredPattern[] = [];
      for (const claim of claims) {
        const candidates = byShape.get(claim.shape) as StoredPattern[];
        const chosen = choose(claim, candidates);
        if (chosen) {
          results.push(chosen);
          continue;
        }
        const stored = await insertOrGet(trx, claim);
        if (!candidates.some((c) => c.id === stored.id)) candidates.push(stored);
        results.push(stored);
      }
      return results;
    });
  }
}

async function insertOrGet(trx: Transaction<Tables>, claim: PatternClaim): Promise<StoredPattern> {
  await trx
    .insertInto("patterns")
    .values(rowOf(claim))
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
  const get = async (id: string) => {
    const row = await trx.selectFrom("patterns").selectAll().where("id", "=", id).executeTakeFirst();
    return row && patternFromRow(row);
  };
  // The claim's id is that of a pattern merged into another (its first message came back): the survivor answers.
  return followMergesAsync((await get(claim.id)) as StoredPattern, get);
}

/**
 * Writes generalised templates inside the change set's transaction. Each write merges with the stored
 * template (a position that differs becomes a wildcard), so replicas generalising one pattern in
 * different places converge instead of overwriting each other. Rows are locked in id order: no deadlocks.
 */
export async function writePatternTemplates(trx: Kysely<Tables>, changes: readonly PatternTemplateChange[]): Promise<void> {
  for (const change of [...changes].sort(byId)) {
    const template = change.template.join(" ");
    await sql`
      UPDATE patterns p SET updated_at = ${change.at}, template = CASE
        WHEN p.template = ${template} THEN p.template
        WHEN array_length(string_to_array(p.template, ' '), 1) IS DISTINCT FROM array_length(string_to_array(${template}, ' '), 1) THEN ${template}
        ELSE (SELECT string_agg(CASE WHEN t.a = t.b THEN t.a ELSE '<*>' END, ' ' ORDER BY t.i)
              FROM unnest(string_to_array(p.template, ' '), string_to_array(${template}, ' ')) WITH ORDINALITY AS t(a, b, i))
      END
      WHERE p.id = ${change.id}`.execute(trx);
  }
}

/**
 * Shows the written templates on the unresolved incidents of their patterns and of the patterns merged
 * into them (resolved ones keep the text they were resolved with). In the change set's transaction, after its incidents, so an incident
 * opened by the batch that generalised its pattern shows the generalised template too.
 */
export async function showPatternTemplates(trx: Kysely<Tables>, changes: readonly PatternTemplateChange[]): Promise<void> {
  const ids = [...new Set(changes.map((change) => change.id))].sort();
  await sql`
    UPDATE incidents i SET error_pattern = t.shown
    FROM (SELECT id, substr(template, 1, ${MAX_TEMPLATE_CHARS}) AS shown FROM patterns WHERE id = ANY(${ids}::text[])) AS t
    WHERE (i.pattern_id = t.id OR i.pattern_id IN (SELECT id FROM patterns WHERE shape = ${MERGED} || t.id))
      AND i.state <> 'resolved' AND i.error_pattern <> t.shown`.execute(trx);
}

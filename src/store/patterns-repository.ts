import type { Kysely } from "kysely";
import type { ChoosePattern, PatternClaim, PatternRepository, StoredPattern } from "../core/ports/pattern-repository.ts";
import type { PatternRow, Tables } from "./rows.ts";

// Patterns of one shape a claim compares against; a shape with more is pathological (a template per message).
export const MAX_CANDIDATES = 2000;

export function patternFromRow(row: PatternRow): StoredPattern {
  return {
    id: row.id,
    shape: row.shape,
    template: row.template === "" ? [] : row.template.split(" "),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function rowOf(claim: PatternClaim): PatternRow {
  return { id: claim.id, shape: claim.shape, template: claim.tokens.join(" "), created_at: claim.at, updated_at: claim.at };
}

// What PostgreSQL's update computes in SQL (see writePatternTemplates): positions that differ become wildcards.
export function mergeTemplates(stored: string, written: string): string {
  if (stored === written) return stored;
  const a = stored.split(" ");
  const b = written.split(" ");
  if (a.length !== b.length) return written;
  return a.map((token, i) => (token === b[i] ? token : "<*>")).join(" ");
}

export const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Reads both engines answer with the same query. */
export abstract class KyselyPatterns implements PatternRepository {
  constructor(protected readonly db: Kysely<Tables>) {}

  abstract claim(claims: readonly PatternClaim[], choose: ChoosePattern): Promise<StoredPattern[]>;

  async updatedSince(since: number, limit: number): Promise<StoredPattern[]> {
    const rows = await this.db
      .selectFrom("patterns")
      .selectAll()
      .where("updated_at", ">=", since)
      .orderBy("updated_at", "desc")
      .orderBy("id")
      .limit(limit)
      .execute();
    return rows.map(patternFromRow);
  }
}

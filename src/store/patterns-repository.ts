import type { Kysely } from "kysely";
import type {
  ChoosePattern,
  PatternClaim,
  PatternMerge,
  PatternRepository,
  StoredPattern,
} from "../core/ports/pattern-repository.ts";
import type { PatternRow, Tables } from "./rows.ts";

// Patterns of one shape a claim compares against; a shape with more is pathological (a template per message).
export const MAX_CANDIDATES = 2000;

// A merged pattern keeps its row (its id stays known to every replica and across restarts), and its
// shape becomes this marker followed by the id it merged into. No claim looks under such a shape, so
// it never takes new messages; it answers for the survivor. Kept in the shape column rather than a
// column of its own so the change needs no migration: only the store's pattern files read shapes.
export const MERGED = "=";

export function patternFromRow(row: PatternRow): StoredPattern {
  const merged = row.shape.startsWith(MERGED);
  return {
    id: row.id,
    shape: merged ? "" : row.shape,
    template: row.template === "" ? [] : row.template.split(" "),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    ...(merged ? { mergedInto: row.shape.slice(MERGED.length) } : {}),
  };
}

// Chains of merges are short (each step goes to an older pattern); this bounds a corrupt one.
const MAX_MERGE_HOPS = 16;

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

  abstract merge(merges: readonly PatternMerge[]): Promise<void>;

  abstract merge(merges: readonly PatternMerge[]): Promise<void>;

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

/** The pattern that answers for `stored`: itself, or the end of the chain of merges it starts. */
export function followMerges(stored: StoredPattern, get: (id: string) => StoredPattern | undefined): StoredPattern {
  let at = stored;
  for (let hops = 0; at.mergedInto !== undefined && hops < MAX_MERGE_HOPS; hops++) {
    const next = get(at.mergedInto);
    if (!next) break;
    at = next;
  }
  return at;
}

/** The same, for a lookup that goes to the database (PostgreSQL, in a transaction). */
export async function followMergesAsync(
  stored: StoredPattern,
  get: (id: string) => Promise<StoredPattern | undefined>,
): Promise<StoredPattern> {
  let at = stored;
  for (let hops = 0; at.mergedInto !== undefined && hops < MAX_MERGE_HOPS; hops++) {
    const next = await get(at.mergedInto);
    if (!next) break;
    at = next;
  }
  return at;
}

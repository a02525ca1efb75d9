import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import { type Kysely, sql, type Transaction } from "kysely";
import type { Tables } from "./rows.ts";

/** A mined error pattern as persisted: its stable id, the shape (length and routing words) it was created under, its template now. */
export interface StoredPattern {
  id: string;
  shape: string;
  template: string[];
  createdAt: number;
  updatedAt: number;
  /** Set once the pattern turned out to be another's (a variable word): the id it merged into, which now answers for it. */
  mergedInto?: string;
}

/** A pattern that turned out to be another, older one: `id` now resolves to `into`. */
export interface PatternMerge {
  id: string;
  into: string;
  at: number;
}

/** A pattern a process is about to create for a message, unless a stored one of the same shape covers it. */
export interface PatternClaim {
  id: string;
  shape: string;
  /** The message's masked tokens, which become the template of a new pattern. */
  tokens: string[];
  at: number;
}

/** A pattern whose template generalised; written in the transaction of the signals that generalised it. */
export interface PatternTemplateChange {
  id: string;
  template: string[];
  at: number;
}

/** Picks the stored pattern that covers a claim's message, if any. */
export type ChoosePattern = (claim: PatternClaim, candidates: readonly StoredPattern[]) => StoredPattern | undefined;

/** Error patterns shared by every process on one database, so all give one message the same pattern id. */
export interface PatternRepository {
  /** Patterns updated at or after `since`, most recently updated first, at most `limit`. */
  updatedSince(since: number, limit: number): Promise<StoredPattern[]>;
  /**
   * For each claim in order, serialised per shape across processes: the stored pattern `choose` picks
   * among those of the claim's shape (oldest first), else the claim stored as a new pattern (or, if a
   * pattern with the claim's id exists already, that one). Later claims see what earlier ones created.
   */
  claim(claims: readonly PatternClaim[], choose: ChoosePattern): Promise<StoredPattern[]>;
  /**
   * Records that patterns merged into others, in a transaction of its own. A pattern already merged
   * keeps its first merge (both targets are older than it, and resolve to one survivor in the end).
   */
  merge(merges: readonly PatternMerge[]): Promise<void>;
}

/** The `patterns` table as both engines return it (template: tokens joined by single spaces; tokens hold no whitespace). */
export interface PatternRow {
  id: string;
  shape: string;
  template: string;
  created_at: number;
  updated_at: number;
}

// The longest template an incident shows (the miner cuts the text it hands out the same way).
export const MAX_TEMPLATE_CHARS = 500;

// Patterns of one shape a claim compares against; a shape with more is pathological (a template per message).
const MAX_CANDIDATES = 2000;

// A merged pattern keeps its row (its id stays known to every replica and across restarts), and its
// shape becomes this marker followed by the id it merged into. No claim looks under such a shape, so
// it never takes new messages; it answers for the survivor. Kept in the shape column rather than a
// column of its own so the change needs no migration: only this file reads shapes.
const MERGED = "=";

function patternFromRow(row: PatternRow): StoredPattern {
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

function rowOf(claim: PatternClaim): PatternRow {
  return { id: claim.id, shape: claim.shape, template: claim.tokens.join(" "), created_at: claim.at, updated_at: claim.at };
}

// What PostgreSQL's update computes in SQL (see writePatternTemplates): positions that differ become wildcards.
function mergeTemplates(stored: string, written: string): string {
  if (stored === written) return stored;
  const a = stored.split(" ");
  const b = written.split(" ");
  if (a.length !== b.length) return written;
  return a.map((token, i) => (token === b[i] ? token : "<*>")).join(" ");
}

const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Reads both engines answer with the same query. */
abstract class KyselyPatterns implements PatternRepository {
  constructor(protected readonly db: Kysely<Tables>) {}

  abstract claim(claims: readonly PatternClaim[], choose: ChoosePattern): Promise<StoredPattern[]>;

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

/**
 * SQLite: one process owns the file, and better-sqlite3 runs a transaction synchronously, so a claim
 * cannot interleave with the ingest writes that share the connection.
 */
export class SqlitePatterns extends KyselyPatterns {
  private readonly claimTx: (claims: readonly PatternClaim[], choose: ChoosePattern) => StoredPattern[];
  private readonly mergeTx: (merges: readonly PatternMerge[]) => void;
  private readonly updateTemplate: Database.Statement;
  private readonly templateOf: Database.Statement;
  private readonly showTemplate: Database.Statement;

  constructor(raw: Database.Database, db: Kysely<Tables>) {
    super(db);
    const ofShape = raw.prepare(`SELECT * FROM patterns WHERE shape = ? ORDER BY created_at, id LIMIT ${MAX_CANDIDATES}`);
    const insert = raw.prepare(
      "INSERT INTO patterns (id, shape, template, created_at, updated_at) VALUES (@id, @shape, @template, @created_at, @updated_at) ON CONFLICT (id) DO NOTHING",
    );
    const byIdStatement = raw.prepare("SELECT * FROM patterns WHERE id = ?");
    this.updateTemplate = raw.prepare("UPDATE patterns SET template = ?, updated_at = ? WHERE id = ?");
    this.templateOf = raw.prepare("SELECT template FROM patterns WHERE id = ?").pluck();
    this.showTemplate = raw.prepare(
      `UPDATE incidents SET error_pattern = t.shown
       FROM (SELECT id, substr(template, 1, ${MAX_TEMPLATE_CHARS}) AS shown FROM patterns WHERE id = ?) AS t
       WHERE (incidents.pattern_id = t.id OR incidents.pattern_id IN (SELECT id FROM patterns WHERE shape = '${MERGED}' || t.id))
         AND incidents.state <> 'resolved' AND incidents.error_pattern <> t.shown`,
    );
    const markMerged = raw.prepare(
      `UPDATE patterns SET shape = ?, updated_at = ? WHERE id = ? AND substr(shape, 1, ${MERGED.length}) <> '${MERGED}'`,
    );
    this.mergeTx = raw.transaction((merges: readonly PatternMerge[]) => {
      for (const merge of merges) if (merge.id !== merge.into) markMerged.run(`${MERGED}${merge.into}`, merge.at, merge.id);
    });
    this.claimTx = raw.transaction((claims: readonly PatternClaim[], choose: ChoosePattern) => {
      const shapes = new Map<string, StoredPattern[]>();
      return claims.map((claim) => {
        let candidates = shapes.get(claim.shape);
        if (!candidates) {
          candidates = (ofShape.all(claim.shape) as PatternRow[]).map(patternFromRow);
          shapes.set(claim.shape, candidates);
        }
        const chosen = choose(claim, candidates);
        if (chosen) return chosen;
        insert.run(rowOf(claim));
        const stored = followMerges(patternFromRow(byIdStatement.get(claim.id) as PatternRow), (id) => {
          const row = byIdStatement.get(id) as PatternRow | undefined;
          return row && patternFromRow(row);
        });
        if (!candidates.some((c) => c.id === stored.id)) candidates.push(stored);
        return stored;
      });
    });
  }

  async claim(claims: readonly PatternClaim[], choose: ChoosePattern): Promise<StoredPattern[]> {
    return claims.length === 0 ? [] : this.claimTx(claims, choose);
  }

  async merge(merges: readonly PatternMerge[]): Promise<void> {
    if (merges.length > 0) this.mergeTx(merges);
  }

  /** Writes generalised templates; called inside the change set's transaction. */
  writeTemplates(changes: readonly PatternTemplateChange[]): void {
    for (const change of changes) {
      const stored = this.templateOf.get(change.id) as string | undefined;
      if (stored === undefined) continue;
      this.updateTemplate.run(mergeTemplates(stored, change.template.join(" ")), change.at, change.id);
    }
  }

  /** Shows the written templates on the unresolved incidents of their patterns; in the change set's transaction, after its incidents. */
  showTemplates(changes: readonly PatternTemplateChange[]): void {
    for (const change of changes) this.showTemplate.run(change.id);
  }
}

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
  let stored = (await get(claim.id)) as StoredPattern;
  // The claim's id is that of a pattern merged into another (its first message came back): the survivor answers.
  for (let hops = 0; stored.mergedInto !== undefined && hops < MAX_MERGE_HOPS; hops++) {
    const next = await get(stored.mergedInto);
    if (!next) break;
    stored = next;
  }
  return stored;
}

/** The pattern that answers for `stored`: itself, or the end of the chain of merges it starts. */
function followMerges(stored: StoredPattern, get: (id: string) => StoredPattern | undefined): StoredPattern {
  let at = stored;
  for (let hops = 0; at.mergedInto !== undefined && hops < MAX_MERGE_HOPS; hops++) {
    const next = get(at.mergedInto);
    if (!next) break;
    at = next;
  }
  return at;
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

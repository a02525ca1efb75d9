import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import { type Kysely, sql, type Transaction } from "kysely";
import {
  type ChoosePattern,
  MAX_TEMPLATE_CHARS,
  type PatternClaim,
  type PatternRepository,
  type PatternTemplateChange,
  type StoredPattern,
} from "../core/ports/pattern-repository.ts";
import type { Tables } from "./rows.ts";

/** The `patterns` table as both engines return it (template: tokens joined by single spaces; tokens hold no whitespace). */
export interface PatternRow {
  id: string;
  shape: string;
  template: string;
  created_at: number;
  updated_at: number;
}

// Patterns of one shape a claim compares against; a shape with more is pathological (a template per message).
const MAX_CANDIDATES = 2000;

function patternFromRow(row: PatternRow): StoredPattern {
  return {
    id: row.id,
    shape: row.shape,
    template: row.template === "" ? [] : row.template.split(" "),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

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
       WHERE incidents.pattern_id = t.id AND incidents.state <> 'resolved' AND incidents.error_pattern <> t.shown`,
    );
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
        const stored = patternFromRow(byIdStatement.get(claim.id) as PatternRow);
        if (!candidates.some((c) => c.id === stored.id)) candidates.push(stored);
        return stored;
      });
    });
  }

  async claim(claims: readonly PatternClaim[], choose: ChoosePattern): Promise<StoredPattern[]> {
    return claims.length === 0 ? [] : this.claimTx(claims, choose);
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
  const row = await trx.selectFrom("patterns").selectAll().where("id", "=", claim.id).executeTakeFirstOrThrow();
  return patternFromRow(row);
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
 * Shows the written templates on the unresolved incidents of their patterns (resolved ones keep the
 * text they were resolved with). In the change set's transaction, after its incidents, so an incident
 * opened by the batch that generalised its pattern shows the generalised template too.
 */
export async function showPatternTemplates(trx: Kysely<Tables>, changes: readonly PatternTemplateChange[]): Promise<void> {
  const ids = [...new Set(changes.map((change) => change.id))].sort();
  await sql`
    UPDATE incidents i SET error_pattern = t.shown
    FROM (SELECT id, substr(template, 1, ${MAX_TEMPLATE_CHARS}) AS shown FROM patterns WHERE id = ANY(${ids}::text[])) AS t
    WHERE i.pattern_id = t.id AND i.state <> 'resolved' AND i.error_pattern <> t.shown`.execute(trx);
}

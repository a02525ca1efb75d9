import type Database from "better-sqlite3";
import type { Kysely } from "kysely";
import {
  type ChoosePattern,
  MAX_TEMPLATE_CHARS,
  type PatternClaim,
  type PatternMerge,
  type PatternTemplateChange,
  type StoredPattern,
} from "../../core/ports/pattern-repository.ts";
import {
  followMerges,
  KyselyPatterns,
  MAX_CANDIDATES,
  MERGED,
  mergeTemplates,
  patternFromRow,
  rowOf,
} from "../patterns-repository.ts";
import type { PatternRow, Tables } from "../rows.ts";

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

  /** Shows the written templates on the unresolved incidents of their patterns and of those merged into them; in the change set's transaction, after its incidents. */
  showTemplates(changes: readonly PatternTemplateChange[]): void {
    for (const change of changes) this.showTemplate.run(change.id);
  }
}

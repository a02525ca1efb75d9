import { type Kysely, sql } from "kysely";
import type { DetectRepository, RuleLease, StoredDetectorState } from "../core/ports/detect-repository.ts";
import type { Tables } from "./rows.ts";
import type { RunAtomically } from "./traces-repository.ts";

/** One Kysely implementation for SQLite and PostgreSQL: a few statements per rule evaluation, no hot path. */
export class KyselyDetectRepository implements DetectRepository {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly atomically: RunAtomically,
  ) {}

  async acquire(rule: string, owner: string, now: number, ttlMs: number): Promise<RuleLease | null> {
    // One statement: a row nobody has, or one whose lease is ours or expired, becomes ours; on PostgreSQL two
    // replicas inserting at once meet in the primary key, and the loser's update sees the winner's lease.
    const row = await this.db
      .insertInto("detect_leases")
      .values({ rule, owner, expires_at: now + ttlMs, evaluated_until: null })
      .onConflict((conflict) =>
        conflict
          .column("rule")
          .doUpdateSet((eb) => ({ owner: eb.ref("excluded.owner"), expires_at: eb.ref("excluded.expires_at") }))
          .where((eb) => eb.or([eb("detect_leases.owner", "=", owner), eb("detect_leases.expires_at", "<", now)])),
      )
      .returning(["owner", "evaluated_until"])
      .executeTakeFirst();
    if (!row || row.owner !== owner) return null;
    return { evaluatedUntil: row.evaluated_until === null ? null : Number(row.evaluated_until) };
  }

  async release(rule: string, owner: string): Promise<void> {
    await this.db
      .updateTable("detect_leases")
      .set({ expires_at: 0 })
      .where("rule", "=", rule)
      .where("owner", "=", owner)
      .execute();
  }

  async states(rule: string): Promise<StoredDetectorState[]> {
    const rows = await this.db.selectFrom("detect_states").selectAll().where("rule", "=", rule).orderBy("series").execute();
    return rows.map((row) => ({
      series: row.series,
      state: JSON.parse(row.state) as unknown,
      updatedAt: Number(row.updated_at),
    }));
  }

  async save(rule: string, owner: string, evaluatedUntil: number, states: readonly StoredDetectorState[]): Promise<boolean> {
    const holder = await this.db.selectFrom("detect_leases").select("owner").where("rule", "=", rule).executeTakeFirst();
    if (holder?.owner !== owner) return false;
    // Every statement is conditional on the lease too: a replica that lost it between the read above and
    // this transaction writes nothing, so the new holder's states are never overwritten with older ones.
    const held = sql`EXISTS (SELECT 1 FROM detect_leases WHERE rule = ${rule} AND owner = ${owner})`;
    const queries = [
      sql`UPDATE detect_leases SET evaluated_until = CAST(${evaluatedUntil} AS bigint) WHERE rule = ${rule} AND owner = ${owner}`.compile(
        this.db,
      ),
      ...states.map((entry) =>
        sql`INSERT INTO detect_states (rule, series, state, updated_at)
            SELECT CAST(${rule} AS text), CAST(${entry.series} AS text), CAST(${JSON.stringify(entry.state)} AS text), CAST(${entry.updatedAt} AS bigint)
            WHERE ${held}
            ON CONFLICT (rule, series) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`.compile(this.db),
      ),
    ];
    await this.atomically(queries);
    return true;
  }

  async forget(rule: string, before: number): Promise<number> {
    const result = await this.db
      .deleteFrom("detect_states")
      .where("rule", "=", rule)
      .where("updated_at", "<", before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

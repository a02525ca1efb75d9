import { type Kysely, sql } from "kysely";
import type {
  DetectRepository,
  RuleLease,
  SignalCountQuery,
  SignalCountSeries,
  StoredDetectorState,
} from "../core/ports/detect-repository.ts";
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

  async signalCounts(q: SignalCountQuery): Promise<SignalCountSeries[]> {
    const buckets = Math.floor((q.to - q.from) / q.stepMs) + 1;
    if (!(buckets > 0)) return [];
    const low = q.from - q.stepMs;
    const kinds = new Set(q.kinds);
    const excluded = new Set(q.excludeSources);
    const series = new Map<string, SignalCountSeries>();
    // Signals are stored in arrival order (seq), and received_at follows it closely: find the first row received
    // after `low` by bisection over seq, then read forward until rows are past `to` — the range, not the table.
    let after = (await this.firstSeqReceivedAfter(low)) - 1;
    const chunk = 2000;
    for (;;) {
      const { rows } = await sql<{
        seq: number;
        received_at: number;
        service: string;
        error_pattern: string;
        kind: string;
        source: string;
        status: string;
        outcome: string;
      }>`SELECT seq, received_at, service, error_pattern, kind, source, status, outcome FROM signals
          WHERE seq > ${after} ORDER BY seq LIMIT ${chunk}`.execute(this.db);
      let past = 0;
      for (const row of rows) {
        const at = Number(row.received_at);
        if (at > q.to) past++;
        if (at <= low || at > q.to || row.status !== "firing" || row.outcome === "duplicate") continue;
        if (!kinds.has(row.kind) || excluded.has(row.source)) continue;
        const pattern = q.by === "pattern" ? row.error_pattern : null;
        const key = `${row.service}\u0000${pattern ?? ""}`;
        let entry = series.get(key);
        if (!entry) {
          entry = {
            service: row.service,
            pattern,
            counts: Array.from({ length: buckets }, (_, i) => [q.from + i * q.stepMs, 0] as [number, number]),
          };
          series.set(key, entry);
        }
        const bucket = Math.min(Math.max(Math.ceil((at - q.from) / q.stepMs), 0), buckets - 1);
        (entry.counts[bucket] as [number, number])[1]++;
      }
      // A whole chunk past the range: everything after it arrived later still.
      if (rows.length < chunk || past === rows.length) break;
      after = Number(rows.at(-1)?.seq);
    }
    return [...series.values()];
  }

  async patternsFirstSeen(templates: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < templates.length; i += 500) {
      const rows = await this.db
        .selectFrom("patterns")
        .select(["template", "created_at"])
        .where("template", "in", templates.slice(i, i + 500))
        .execute();
      for (const row of rows) {
        const at = Number(row.created_at);
        out.set(row.template, Math.min(out.get(row.template) ?? at, at));
      }
    }
    return out;
  }

  /** The smallest seq whose row was received after `time` (max seq + 1 when none is). */
  private async firstSeqReceivedAfter(time: number): Promise<number> {
    const { rows: boundRows } = await sql<{ lo: number | null; hi: number | null }>`
      SELECT min(seq) AS lo, max(seq) AS hi FROM signals`.execute(this.db);
    const bounds = boundRows[0];
    if (bounds?.lo === null || bounds?.lo === undefined) return 0;
    let lo = Number(bounds.lo);
    let hi = Number(bounds.hi) + 1;
    // Invariant: rows before `lo` were received at or before `time`; the row at or after `hi` after it.
    while (lo < hi) {
      const middle = Math.floor((lo + hi) / 2);
      const { rows } = await sql<{ seq: number; received_at: number }>`
        SELECT seq, received_at FROM signals WHERE seq >= ${middle} ORDER BY seq LIMIT 1`.execute(this.db);
      const row = rows[0];
      if (!row) hi = middle;
      else if (Number(row.received_at) > time) hi = Math.min(middle, Number(row.seq));
      else lo = Number(row.seq) + 1;
    }
    return lo;
  }
}

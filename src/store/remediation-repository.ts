import { type Kysely, type RawBuilder, sql } from "kysely";
import type { RemediationRepository, RunQuery, RunUpdate } from "../core/ports/remediation-repository.ts";
import {
  type Guardrails,
  type NewRun,
  type PlaybookStats,
  REFUSALS,
  type Refusal,
  type RemediationRun,
  type RunMode,
  type RunState,
  type RunSubject,
  TERMINAL_STATES,
} from "../core/remediation.ts";
import type { Tables } from "./rows.ts";

interface RunRow {
  id: string;
  incident_id: string;
  playbook: string;
  service: string;
  environment: string;
  target: string;
  attempt: number | string;
  idempotency_key: string;
  mode: string;
  state: string;
  created_at: number | string;
  updated_at: number | string;
  plan: string;
  subject: string;
  approved_by: string | null;
  executed_at: number | string | null;
  verify_started_at: number | string | null;
  holding_since: number | string | null;
  finished_at: number | string | null;
  detail: string;
  failure: string | null;
  undo: string | null;
  success: number | string;
  human_acted: number | string;
  reopened: number | string;
}

const DUE_STATES = ["matched", "executing", "verifying", "failed", "rolling-back"] as const;
const orNull = (value: number | string | null): number | null => (value === null ? null : Number(value));
const big = (value: number) => sql`CAST(${value} AS bigint)`;
const text = (value: string) => sql`CAST(${value} AS text)`;

function toRun(row: RunRow): RemediationRun {
  return {
    id: row.id,
    incidentId: row.incident_id,
    playbook: row.playbook,
    service: row.service,
    environment: row.environment,
    target: row.target,
    attempt: Number(row.attempt),
    idempotencyKey: row.idempotency_key,
    mode: row.mode as RunMode,
    state: row.state as RunState,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    plan: row.plan,
    subject: JSON.parse(row.subject) as RunSubject,
    approvedBy: row.approved_by,
    executedAt: orNull(row.executed_at),
    verifyStartedAt: orNull(row.verify_started_at),
    holdingSince: orNull(row.holding_since),
    finishedAt: orNull(row.finished_at),
    detail: row.detail,
    failure: row.failure as RemediationRun["failure"],
    undo: row.undo === null ? null : (JSON.parse(row.undo) as Record<string, unknown>),
    success: Number(row.success) === 1,
    humanActed: Number(row.human_acted) === 1,
    reopened: Number(row.reopened) === 1,
  };
}

/** The guardrails as one SQL expression: the first that refuses, or NULL. `self` is excluded from the counts. */
function refusalOf(
  run: Pick<NewRun, "playbook" | "service" | "target">,
  self: string,
  g: Guardrails,
  now: number,
): RawBuilder<unknown> {
  const since = big(now - g.windowMs);
  const executedSince = sql`executed_at IS NOT NULL AND executed_at > ${since} AND id <> ${self}`;
  return sql`CASE
    WHEN ${g.paused ? 1 : 0} = 1 OR EXISTS (SELECT 1 FROM remediation_control WHERE id = 'global' AND paused = 1) THEN 'paused'
    WHEN EXISTS (SELECT 1 FROM remediation_disabled WHERE playbook = ${run.playbook} AND service = ${run.service} AND disabled_at IS NOT NULL) THEN 'disabled'
    WHEN EXISTS (SELECT 1 FROM remediation_runs WHERE active_target = ${run.target} AND id <> ${self}) THEN 'target-busy'
    WHEN EXISTS (SELECT 1 FROM remediation_runs WHERE playbook = ${run.playbook} AND service = ${run.service}
                 AND executed_at IS NOT NULL AND executed_at > ${big(now - g.cooldownMs)} AND id <> ${self}) THEN 'cooldown'
    WHEN (SELECT COUNT(*) FROM remediation_runs WHERE playbook = ${run.playbook} AND ${executedSince}) >= ${g.maxRuns} THEN 'playbook-limit'
    WHEN (SELECT COUNT(*) FROM remediation_runs WHERE playbook = ${run.playbook} AND service = ${run.service} AND ${executedSince}) >= ${g.maxRunsPerService} THEN 'service-limit'
    WHEN (SELECT COUNT(DISTINCT target) FROM remediation_runs WHERE playbook = ${run.playbook} AND target <> ${run.target} AND ${executedSince}) >= ${g.maxTargets} THEN 'blast-radius'
    ELSE NULL END`;
}

/**
 * Remediation runs in shared Kysely code. Each guarded step is one statement (atomic by itself on SQLite,
 * whose one process is the only writer); on PostgreSQL it runs in a transaction behind an advisory lock, so
 * two replicas never both pass a limit that only one run fits under.
 */
export class KyselyRemediationRepository implements RemediationRepository {
  constructor(
    private readonly db: Kysely<Tables>,
    /** PostgreSQL: replicas share the database; serialise guarded steps. */
    private readonly replicas: boolean,
  ) {}

  private async guarded<T>(step: (db: Kysely<Tables>) => Promise<T>): Promise<T> {
    if (!this.replicas) return step(this.db);
    return this.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext('sluice-remediation-guardrails'))`.execute(trx);
      return step(trx);
    });
  }

  async begin(
    run: NewRun,
    g: Guardrails,
    now: number,
  ): Promise<{ run: RemediationRun; created: boolean; refusal: Refusal | null }> {
    const inserted = await this.guarded(async (db) => {
      const { rows } = await sql<RunRow>`
        INSERT INTO remediation_runs (id, incident_id, playbook, service, environment, target, attempt, idempotency_key,
          mode, state, active_target, created_at, updated_at, lease_until, plan, subject, detail)
        SELECT ${text(run.id)}, ${text(run.incidentId)}, ${text(run.playbook)}, ${text(run.service)}, ${text(run.environment)},
          ${text(run.target)}, ${run.attempt}, ${text(run.idempotencyKey)}, ${text(run.mode)},
          CASE WHEN ${text(run.mode)} = 'dry-run' THEN 'dry-run' WHEN g.refusal IS NOT NULL THEN 'refused'
               WHEN ${text(run.mode)} = 'suggest' THEN 'awaiting-approval' ELSE 'matched' END,
          CASE WHEN g.refusal IS NULL AND ${text(run.mode)} <> 'dry-run' THEN ${text(run.target)} ELSE NULL END,
          ${big(now)}, ${big(now)}, ${big(0)}, ${text(run.plan)}, ${text(JSON.stringify(run.subject))}, COALESCE(g.refusal, '')
        FROM (SELECT ${refusalOf(run, run.id, g, now)} AS refusal) g
        WHERE true
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING *`.execute(db);
      return rows[0];
    });
    if (inserted) {
      const stored = toRun(inserted);
      const refusal = REFUSALS.includes(stored.detail as Refusal) ? (stored.detail as Refusal) : null;
      return { run: stored, created: true, refusal };
    }
    const existing = await this.db
      .selectFrom("remediation_runs")
      .selectAll()
      .where("idempotency_key", "=", run.idempotencyKey)
      .executeTakeFirstOrThrow();
    return { run: toRun(existing as unknown as RunRow), created: false, refusal: null };
  }

  async startExecuting(
    id: string,
    g: Guardrails,
    now: number,
    leaseMs: number,
  ): Promise<{ ok: true } | { ok: false; refusal: Refusal | "not-ready" }> {
    return this.guarded(async (db) => {
      const run = await db.selectFrom("remediation_runs").selectAll().where("id", "=", id).executeTakeFirst();
      if (run?.state !== "matched" || (run.mode !== "auto" && run.approved_by === null))
        return { ok: false, refusal: "not-ready" };
      const refusal = refusalOf(run, id, g, now);
      // The approval and the guardrails are conditions of the update itself: nothing read above is trusted.
      const result = await sql`
        UPDATE remediation_runs SET state = 'executing', executed_at = ${big(now)}, updated_at = ${big(now)},
          lease_until = ${big(now + leaseMs)}
        WHERE id = ${id} AND state = 'matched' AND (mode = 'auto' OR approved_by IS NOT NULL) AND (${refusal}) IS NULL`.execute(
        db,
      );
      if (Number(result.numAffectedRows ?? 0) > 0) return { ok: true };
      const { rows } = await sql<{ refusal: string | null }>`SELECT ${refusal} AS refusal`.execute(db);
      const why = rows[0]?.refusal;
      return { ok: false, refusal: why && REFUSALS.includes(why as Refusal) ? (why as Refusal) : "not-ready" };
    });
  }

  async move(
    id: string,
    from: RunState,
    to: RunState,
    now: number,
    fields: RunUpdate = {},
    leaseUntil?: number,
  ): Promise<boolean> {
    const terminal = TERMINAL_STATES.includes(to);
    const result = await this.db
      .updateTable("remediation_runs")
      .set({
        ...columns(fields),
        state: to,
        updated_at: now,
        ...(terminal ? { active_target: null, finished_at: fields.finishedAt ?? now, lease_until: 0 } : {}),
        ...(leaseUntil === undefined ? {} : { lease_until: leaseUntil }),
      })
      .where("id", "=", id)
      .where("state", "=", from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async update(id: string, fields: RunUpdate, leaseUntil?: number): Promise<void> {
    const set = { ...columns(fields), ...(leaseUntil === undefined ? {} : { lease_until: leaseUntil }) };
    if (Object.keys(set).length === 0) return;
    await this.db.updateTable("remediation_runs").set(set).where("id", "=", id).execute();
  }

  async claim(now: number, limit: number, leaseMs: number): Promise<RemediationRun[]> {
    if (limit <= 0) return [];
    const lock = this.replicas ? sql`FOR UPDATE SKIP LOCKED` : sql``;
    const due = sql.join(DUE_STATES.map((s) => sql`${s}`));
    const { rows } = await sql<RunRow>`
      UPDATE remediation_runs SET lease_until = ${big(now + leaseMs)}
      WHERE id IN (
        SELECT id FROM remediation_runs WHERE state IN (${due}) AND lease_until <= ${big(now)}
        ORDER BY updated_at LIMIT ${limit} ${lock}
      ) AND state IN (${due}) AND lease_until <= ${big(now)}
      RETURNING *`.execute(this.db);
    return rows.map(toRun).sort((a, b) => a.updatedAt - b.updatedAt);
  }

  async get(id: string): Promise<RemediationRun | null> {
    const row = await this.db.selectFrom("remediation_runs").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toRun(row as unknown as RunRow) : null;
  }

  async list(query: RunQuery): Promise<RemediationRun[]> {
    let select = this.db.selectFrom("remediation_runs").selectAll();
    if (query.incidentId) select = select.where("incident_id", "=", query.incidentId);
    if (query.playbook) select = select.where("playbook", "=", query.playbook);
    if (query.service) select = select.where("service", "=", query.service);
    if (query.state?.length) select = select.where("state", "in", query.state);
    const rows = await select.orderBy("created_at", "desc").orderBy("id", "desc").limit(query.limit).execute();
    return rows.map((row) => toRun(row as unknown as RunRow));
  }

  async stats(playbook?: string, created?: { from: number; to: number }): Promise<PlaybookStats[]> {
    const conditions = [
      ...(playbook === undefined ? [] : [sql`playbook = ${playbook}`]),
      ...(created === undefined ? [] : [sql`created_at >= ${big(created.from)} AND created_at <= ${big(created.to)}`]),
    ];
    const where = conditions.length === 0 ? sql`` : sql`WHERE ${sql.join(conditions, sql` AND `)}`;
    const { rows } = await sql<Record<string, string | number>>`
      SELECT playbook,
        SUM(CASE WHEN executed_at IS NOT NULL THEN 1 ELSE 0 END) AS runs,
        SUM(CASE WHEN state = 'verified' THEN 1 ELSE 0 END) AS verified,
        SUM(CASE WHEN failure IS NOT NULL THEN 1 ELSE 0 END) AS failed,
        SUM(CASE WHEN state = 'rolled-back' THEN 1 ELSE 0 END) AS rolled_back,
        SUM(CASE WHEN state = 'escalated' AND executed_at IS NOT NULL THEN 1 ELSE 0 END) AS escalated,
        SUM(success) AS succeeded
      FROM remediation_runs ${where} GROUP BY playbook ORDER BY playbook`.execute(this.db);
    return rows.map((row) => {
      const verified = Number(row.verified);
      const failed = Number(row.failed);
      const succeeded = Number(row.succeeded);
      return {
        playbook: String(row.playbook),
        runs: Number(row.runs),
        verified,
        failed,
        rolledBack: Number(row.rolled_back),
        escalated: Number(row.escalated),
        succeeded,
        successRate: verified + failed > 0 ? succeeded / (verified + failed) : null,
      };
    });
  }

  async setPaused(paused: boolean, by: string, now: number): Promise<void> {
    await sql`
      INSERT INTO remediation_control (id, paused, changed_by, changed_at) VALUES ('global', ${paused ? 1 : 0}, ${by}, ${big(now)})
      ON CONFLICT (id) DO UPDATE SET paused = excluded.paused, changed_by = excluded.changed_by, changed_at = excluded.changed_at`.execute(
      this.db,
    );
  }

  async paused(): Promise<{ paused: boolean; by: string | null; at: number | null }> {
    const row = await this.db.selectFrom("remediation_control").selectAll().where("id", "=", "global").executeTakeFirst();
    return row
      ? { paused: Number(row.paused) === 1, by: row.changed_by, at: orNull(row.changed_at) }
      : { paused: false, by: null, at: null };
  }

  async failuresSinceEnabled(playbook: string, service: string): Promise<number> {
    const { rows } = await sql<{ n: number | string }>`
      SELECT COUNT(*) AS n FROM remediation_runs r
      WHERE r.playbook = ${playbook} AND r.service = ${service} AND r.failure = 'verification'
        AND r.finished_at > COALESCE((SELECT enabled_at FROM remediation_disabled d WHERE d.playbook = ${playbook} AND d.service = ${service}), ${big(-1)})`.execute(
      this.db,
    );
    return Number(rows[0]?.n ?? 0);
  }

  async disable(playbook: string, service: string, reason: string, now: number): Promise<void> {
    await sql`
      INSERT INTO remediation_disabled (playbook, service, disabled_at, reason) VALUES (${playbook}, ${service}, ${big(now)}, ${reason})
      ON CONFLICT (playbook, service) DO UPDATE SET disabled_at = excluded.disabled_at, reason = excluded.reason`.execute(
      this.db,
    );
  }

  async enable(playbook: string, service: string, by: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable("remediation_disabled")
      .set({ disabled_at: null, enabled_at: now, enabled_by: by })
      .where("playbook", "=", playbook)
      .where("service", "=", service)
      .where("disabled_at", "is not", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async disabled(): Promise<{ playbook: string; service: string; reason: string; at: number }[]> {
    const rows = await this.db
      .selectFrom("remediation_disabled")
      .selectAll()
      .where("disabled_at", "is not", null)
      .orderBy("playbook")
      .orderBy("service")
      .execute();
    return rows.map((row) => ({ playbook: row.playbook, service: row.service, reason: row.reason, at: Number(row.disabled_at) }));
  }
}

function columns(fields: RunUpdate): Record<string, string | number | null> {
  const set: Record<string, string | number | null> = {};
  if (fields.detail !== undefined) set.detail = fields.detail;
  if (fields.updatedAt !== undefined) set.updated_at = fields.updatedAt;
  if (fields.failure !== undefined) set.failure = fields.failure;
  if (fields.approvedBy !== undefined) set.approved_by = fields.approvedBy;
  if (fields.verifyStartedAt !== undefined) set.verify_started_at = fields.verifyStartedAt;
  if (fields.holdingSince !== undefined) set.holding_since = fields.holdingSince;
  if (fields.finishedAt !== undefined) set.finished_at = fields.finishedAt;
  if (fields.undo !== undefined) set.undo = fields.undo === null ? null : JSON.stringify(fields.undo);
  if (fields.success !== undefined) set.success = fields.success ? 1 : 0;
  if (fields.humanActed !== undefined) set.human_acted = fields.humanActed ? 1 : 0;
  if (fields.reopened !== undefined) set.reopened = fields.reopened ? 1 : 0;
  return set;
}

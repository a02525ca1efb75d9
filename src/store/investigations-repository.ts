import { type Kysely, sql } from "kysely";
import type { InvestigationReport, InvestigationTrigger } from "../core/investigation.ts";
import type { InvestigationJob, InvestigationRepository } from "../core/ports/investigation-repository.ts";
import type { Tables } from "./rows.ts";

interface JobRow {
  incident_id: string;
  trigger: string;
  requested_at: number | string;
  attempts: number | string;
}

// Rows per INSERT of requestAll: 3 bound values each, well under SQLite's and PostgreSQL's limits.
const REQUESTS_PER_STATEMENT = 500;
// Claims ended per statement of completeAll: 2 bound values each in the UPDATE, 5 a row in the INSERT.
const COMPLETIONS_PER_STATEMENT = 100;

/** Investigation jobs and reports in shared Kysely code; claims lock rows on engines with replicas. */
export class KyselyInvestigationRepository implements InvestigationRepository {
  constructor(
    private readonly db: Kysely<Tables>,
    /** FOR UPDATE SKIP LOCKED (PostgreSQL): a row another replica is claiming right now is passed over. */
    private readonly lockClaimedRows: boolean,
  ) {}

  async request(incidentId: string, trigger: InvestigationTrigger, now: number): Promise<void> {
    await this.upsertJobs(this.db, [{ incidentId, trigger }], now);
  }

  async requestAll(requests: readonly { incidentId: string; trigger: InvestigationTrigger }[], now: number): Promise<void> {
    // One row per incident: a statement may not upsert the same row twice (PostgreSQL refuses it).
    const first = new Map<string, { incidentId: string; trigger: InvestigationTrigger }>();
    for (const request of requests) if (!first.has(request.incidentId)) first.set(request.incidentId, request);
    const unique = [...first.values()];
    if (unique.length === 0) return;
    if (unique.length <= REQUESTS_PER_STATEMENT) return this.upsertJobs(this.db, unique, now);
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < unique.length; i += REQUESTS_PER_STATEMENT) {
        await this.upsertJobs(trx, unique.slice(i, i + REQUESTS_PER_STATEMENT), now);
      }
    });
  }

  /** Queues the jobs in one statement (the rules of `request` for each row). */
  private async upsertJobs(
    db: Kysely<Tables>,
    requests: readonly { incidentId: string; trigger: InvestigationTrigger }[],
    now: number,
  ): Promise<void> {
    const rows = sql.join(
      requests.map(({ incidentId, trigger }) => sql`(${incidentId}, ${trigger}, 'pending', ${now}, 0, 0, 0)`),
    );
    await sql`
      INSERT INTO investigation_jobs (incident_id, trigger, status, requested_at, lease_until, attempts, again)
      VALUES ${rows}
      ON CONFLICT (incident_id) DO UPDATE SET
        again = CASE WHEN investigation_jobs.status = 'running' THEN 1 ELSE investigation_jobs.again END,
        requested_at = CASE WHEN investigation_jobs.status = 'done' THEN excluded.requested_at ELSE investigation_jobs.requested_at END,
        trigger = CASE WHEN investigation_jobs.status = 'pending' THEN investigation_jobs.trigger ELSE excluded.trigger END,
        status = CASE WHEN investigation_jobs.status = 'done' THEN 'pending' ELSE investigation_jobs.status END`.execute(db);
  }

  async claim(now: number, limit: number, leaseMs: number, requestedBefore?: number): Promise<InvestigationJob[]> {
    if (limit <= 0) return [];
    const queuedBy = requestedBefore === undefined ? sql`` : sql`AND requested_at <= ${requestedBefore}`;
    const lock = this.lockClaimedRows ? sql`FOR UPDATE SKIP LOCKED` : sql``;
    // The oldest `limit` of the queued jobs and of the abandoned ones, each read in order from the
    // (status, requested_at) index, then the oldest `limit` of those: the same jobs as ordering every
    // claimable row, which sorted the whole queue at each claim (quadratic in a backlog of new incidents).
    // One statement: on SQLite it is atomic by itself; on PostgreSQL the locked subqueries keep two
    // replicas off one row, and the repeated condition refuses a row that changed before the lock.
    // `status || ''` keeps SQLite from answering that condition from the (status, requested_at) index:
    // it did (a MULTI-INDEX OR over every pending row) instead of looking the few chosen ids up by key,
    // about a millisecond per claim with a storm's thousands of jobs queued.
    const { rows } = await sql<JobRow>`
      UPDATE investigation_jobs SET status = 'running', lease_until = ${now + leaseMs}, attempts = attempts + 1
      WHERE incident_id IN (
        SELECT incident_id FROM (
          SELECT incident_id, requested_at FROM (
            SELECT incident_id, requested_at FROM investigation_jobs
            WHERE status = 'pending' ${queuedBy} ORDER BY requested_at LIMIT ${limit} ${lock}
          ) AS queued
          UNION ALL
          SELECT incident_id, requested_at FROM (
            SELECT incident_id, requested_at FROM investigation_jobs
            WHERE status = 'running' AND lease_until <= ${now} ORDER BY requested_at LIMIT ${limit} ${lock}
          ) AS abandoned
        ) AS claimable
        ORDER BY requested_at
        LIMIT ${limit}
      ) AND ((status || '') = 'pending' OR ((status || '') = 'running' AND lease_until <= ${now}))
      RETURNING incident_id, trigger, requested_at, attempts`.execute(this.db);
    return rows
      .map((row) => ({
        incidentId: row.incident_id,
        trigger: row.trigger as InvestigationTrigger,
        requestedAt: Number(row.requested_at),
        attempt: Number(row.attempts),
      }))
      .sort((a, b) => a.requestedAt - b.requestedAt);
  }

  async finish(incidentId: string, attempt: number): Promise<boolean> {
    return this.finishIn(this.db, incidentId, attempt);
  }

  async complete(report: Omit<InvestigationReport, "version">, attempt: number, now: number): Promise<number | null> {
    return this.db.transaction().execute(async (trx) => {
      if (!(await this.finishIn(trx, report.incidentId, attempt))) return null;
      return this.saveIn(trx, report, now);
    });
  }

  async completeAll(
    completions: readonly { report: Omit<InvestigationReport, "version">; attempt: number }[],
    now: number,
  ): Promise<(number | null)[]> {
    if (completions.length === 0) return [];
    const ids = new Set(completions.map((c) => c.report.incidentId));
    if (ids.size < completions.length) throw new Error("completeAll takes one report per incident");
    const versions: (number | null)[] = [];
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < completions.length; i += COMPLETIONS_PER_STATEMENT) {
        versions.push(...(await this.completeIn(trx, completions.slice(i, i + COMPLETIONS_PER_STATEMENT), now)));
      }
    });
    return versions;
  }

  /** complete() for a few claims in three statements (end the claims, read their last versions, store the reports). */
  private async completeIn(
    db: Kysely<Tables>,
    completions: readonly { report: Omit<InvestigationReport, "version">; attempt: number }[],
    now: number,
  ): Promise<(number | null)[]> {
    const claims = sql.join(
      completions.map(({ report, attempt }) => sql`(incident_id = ${report.incidentId} AND attempts = ${attempt})`),
      sql` OR `,
    );
    const { rows: ended } = await sql<{ incident_id: string }>`
      UPDATE investigation_jobs
      SET status = CASE WHEN again = 1 THEN 'pending' ELSE 'done' END, again = 0, lease_until = 0
      WHERE status = 'running' AND (${claims})
      RETURNING incident_id`.execute(db);
    const won = new Set(ended.map((row) => row.incident_id));
    if (won.size === 0) return completions.map(() => null);
    const { rows: last } = await sql<{ incident_id: string; version: number | string }>`
      SELECT incident_id, MAX(version) AS version FROM investigation_reports
      WHERE incident_id IN (${sql.join([...won])}) GROUP BY incident_id`.execute(db);
    const previous = new Map(last.map((row) => [row.incident_id, Number(row.version)]));
    const versions = completions.map(({ report }) =>
      won.has(report.incidentId) ? (previous.get(report.incidentId) ?? 0) + 1 : null,
    );
    // One job per incident runs at a time, so the next versions are not contended; the key refuses one if it were.
    const rows = completions.flatMap(({ report }, n) => {
      const version = versions[n];
      return version == null
        ? []
        : [sql`(${report.incidentId}, ${version}, ${now}, ${report.outcome}, ${JSON.stringify({ ...report, version })})`];
    });
    await sql`
      INSERT INTO investigation_reports (incident_id, version, created_at, outcome, body)
      VALUES ${sql.join(rows)}`.execute(db);
    return versions;
  }

  private async finishIn(db: Kysely<Tables>, incidentId: string, attempt: number): Promise<boolean> {
    const result = await sql`
      UPDATE investigation_jobs
      SET status = CASE WHEN again = 1 THEN 'pending' ELSE 'done' END, again = 0, lease_until = 0
      WHERE incident_id = ${incidentId} AND attempts = ${attempt} AND status = 'running'`.execute(db);
    return Number(result.numAffectedRows ?? 0) > 0;
  }

  async status(incidentId: string): Promise<"pending" | "running" | "done" | null> {
    const { rows } = await sql<{ status: string }>`
      SELECT status FROM investigation_jobs WHERE incident_id = ${incidentId}`.execute(this.db);
    return (rows[0]?.status as "pending" | "running" | "done" | undefined) ?? null;
  }

  async saveReport(report: Omit<InvestigationReport, "version">, now: number): Promise<number> {
    return this.saveIn(this.db, report, now);
  }

  private async saveIn(db: Kysely<Tables>, report: Omit<InvestigationReport, "version">, now: number): Promise<number> {
    const { rows } = await sql<{ version: number | string }>`
      SELECT COALESCE(MAX(version), 0) + 1 AS version FROM investigation_reports WHERE incident_id = ${report.incidentId}`.execute(
      db,
    );
    const version = Number(rows[0]?.version ?? 1);
    // One job per incident runs at a time, so the next version is not contended; the key refuses it if it were.
    await sql`
      INSERT INTO investigation_reports (incident_id, version, created_at, outcome, body)
      VALUES (${report.incidentId}, ${version}, ${now}, ${report.outcome}, ${JSON.stringify({ ...report, version })})`.execute(
      db,
    );
    return version;
  }

  async report(incidentId: string, version?: number): Promise<InvestigationReport | null> {
    const { rows } =
      version === undefined
        ? await sql<{ body: string }>`
            SELECT body FROM investigation_reports WHERE incident_id = ${incidentId} ORDER BY version DESC LIMIT 1`.execute(
            this.db,
          )
        : await sql<{ body: string }>`
            SELECT body FROM investigation_reports WHERE incident_id = ${incidentId} AND version = ${version}`.execute(this.db);
    const body = rows[0]?.body;
    return body === undefined ? null : (JSON.parse(body) as InvestigationReport);
  }
}

import { type Kysely, sql } from "kysely";
import type { Incident } from "../../core/incident.ts";
import type { Timer, TimerRepository } from "../../core/ports/store.ts";
import { type IncidentRow, incidentFromRow, type Tables } from "../rows.ts";

interface TimerRow {
  id: string;
  kind: string;
  incident_id: string;
  step: number;
  due_at: number;
}

export class PostgresTimers implements TimerRepository {
  constructor(private readonly db: Kysely<Tables>) {}

  async claimDue(now: number, limit: number, leaseMs: number): Promise<Timer[]> {
    if (limit <= 0) return [];
    // SKIP LOCKED: a timer another replica is claiming right now is passed over, and once that
    // replica commits, its lease keeps the row out; so exactly one process fires each timer.
    const { rows } = await sql<TimerRow>`
      WITH due AS (
        SELECT id FROM timers
        WHERE status = 'pending' AND due_at <= ${now} AND lease_until <= ${now}
        ORDER BY due_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      UPDATE timers SET lease_until = ${now + leaseMs}
      FROM due
      WHERE timers.id = due.id AND timers.status = 'pending' AND timers.lease_until <= ${now}
      RETURNING timers.id, timers.kind, timers.incident_id, timers.step, timers.due_at`.execute(this.db);
    return rows
      .map((row) => ({
        id: row.id,
        kind: row.kind as Timer["kind"],
        incidentId: row.incident_id,
        step: row.step,
        dueAt: Number(row.due_at),
      }))
      .sort((a, b) => a.dueAt - b.dueAt);
  }

  async complete(id: string): Promise<void> {
    await sql`UPDATE timers SET status = 'done', lease_until = 0 WHERE id = ${id}`.execute(this.db);
  }

  async incidentsWithoutTimer(kind: Timer["kind"], limit: number): Promise<Incident[]> {
    const { rows } = await sql<IncidentRow>`
      SELECT i.* FROM incidents i WHERE i.state IN ('open', 'escalated')
        AND NOT EXISTS (SELECT 1 FROM timers t WHERE t.incident_id = i.id AND t.kind = ${kind} AND t.status = 'pending')
      ORDER BY i.created_at LIMIT ${limit}`.execute(this.db);
    return rows.map(incidentFromRow);
  }
}

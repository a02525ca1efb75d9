import type Database from "better-sqlite3";
import type { Incident } from "../../core/incident.ts";
import type { Timer, TimerRepository } from "../../core/ports/store.ts";
import { type IncidentRow, incidentFromRow } from "../rows.ts";

interface TimerRow {
  id: string;
  kind: string;
  incident_id: string;
  step: number;
  due_at: number;
}

export class SqliteTimers implements TimerRepository {
  private readonly claimTx: (now: number, limit: number, leaseMs: number) => Timer[];
  private readonly completeStatement: Database.Statement;
  private readonly withoutTimer: Database.Statement;

  constructor(raw: Database.Database) {
    const due = raw.prepare(
      "SELECT id, kind, incident_id, step, due_at FROM timers WHERE status = 'pending' AND due_at <= ? AND lease_until <= ? ORDER BY due_at LIMIT CAST(? AS INTEGER)",
    );
    const lease = raw.prepare("UPDATE timers SET lease_until = ? WHERE id = ?");
    this.claimTx = raw.transaction((now: number, limit: number, leaseMs: number) => {
      const rows = due.all(now, now, limit) as TimerRow[];
      for (const row of rows) lease.run(now + leaseMs, row.id);
      return rows.map((row) => ({
        id: row.id,
        kind: row.kind as Timer["kind"],
        incidentId: row.incident_id,
        step: row.step,
        dueAt: Number(row.due_at),
      }));
    });
    this.completeStatement = raw.prepare("UPDATE timers SET status = 'done', lease_until = 0 WHERE id = ?");
    this.withoutTimer = raw.prepare(
      `SELECT i.* FROM incidents i WHERE i.state IN ('open', 'escalated')
         AND NOT EXISTS (SELECT 1 FROM timers t WHERE t.incident_id = i.id AND t.kind = ? AND t.status = 'pending')
       ORDER BY i.created_at LIMIT CAST(? AS INTEGER)`,
    );
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<Timer[]> {
    return this.claimTx(now, limit, leaseMs);
  }

  async complete(id: string): Promise<void> {
    this.completeStatement.run(id);
  }

  async incidentsWithoutTimer(kind: Timer["kind"], limit: number): Promise<Incident[]> {
    return (this.withoutTimer.all(kind, limit) as IncidentRow[]).map(incidentFromRow);
  }
}

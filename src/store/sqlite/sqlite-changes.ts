import type Database from "better-sqlite3";
import { SluiceError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { type ChangeSet, countsSignalsOnly, type IncidentChange } from "../../core/ports/store.ts";
import { INCIDENT_COLUMN, idempotencyKey, signalDetailOf } from "../rows.ts";

/**
 * The one write path of the SQLite store: prepared statements (the hot path cannot afford query
 * building per row) run inside one transaction per change set.
 */
export class SqliteChangeWriter {
  private readonly insertSignal: Database.Statement;
  private readonly insertIncident: Database.Statement;
  private readonly nextNumber: Database.Statement;
  private readonly upsertAlert: Database.Statement;
  private readonly insertTimeline: Database.Statement;
  private readonly insertDelivery: Database.Statement;
  private readonly insertTimer: Database.Statement;
  private readonly updateStatements = new Map<string, Database.Statement>();
  readonly apply: (changes: ChangeSet) => Map<string, number>;

  constructor(private readonly raw: Database.Database) {
    this.insertSignal = raw.prepare(
      `INSERT INTO signals (id, source, source_id, received_at, occurred_at, status, kind, tenant, service, environment,
        severity, score, title, message, error_pattern, fingerprint, alert_key, trace_id, outcome, outcome_reason, incident_id, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertIncident = raw.prepare(
      `INSERT INTO incidents (id, number, fingerprint, kind, title, tenant, service, environment, error_pattern, severity,
        priority, state, first_seen_at, last_seen_at, signal_count, escalation_level, platforms, matched_rule, summary,
        created_at, updated_at, acknowledged_at, resolved_at, context, pattern_id, version)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
    );
    this.nextNumber = raw.prepare("SELECT COALESCE(MAX(number), 0) + 1 AS n FROM incidents").pluck();
    this.upsertAlert = raw.prepare(
      `INSERT INTO incident_alerts (incident_id, alert_key, status, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (incident_id, alert_key) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
    );
    this.insertTimeline = raw.prepare(
      "INSERT INTO timeline (incident_id, at, actor, action, detail, rule) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.insertDelivery = raw.prepare(
      `INSERT INTO deliveries (id, incident_id, platform, action, idempotency_key, status, attempts, next_attempt_at,
        lease_until, last_error, detail, caused_at, created_at, updated_at, investigation)
       VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, 0, NULL, ?, ?, ?, ?, ?)`,
    );
    this.insertTimer = raw.prepare(
      "INSERT INTO timers (id, kind, incident_id, step, due_at, lease_until, status, created_at) VALUES (?, ?, ?, ?, ?, 0, 'pending', ?)",
    );
    const applyTx = raw.transaction((changes: ChangeSet) => this.write(changes));
    this.apply = (changes: ChangeSet) => {
      try {
        return applyTx(changes);
      } catch (error) {
        throw conflictFromUnique(error);
      }
    };
  }

  private write(changes: ChangeSet): Map<string, number> {
    const numbers = new Map<string, number>();
    // Changes first: a batch may resolve an incident and open its successor with the same fingerprint,
    // and the open-per-fingerprint index must see the old one resolved before the new one arrives.
    for (const change of changes.incidentChanges) this.updateIncident(change);
    // Keys for the whole batch from one read: nobody else writes inside this transaction.
    let next = changes.newIncidents.length > 0 ? (this.nextNumber.get() as number) : 0;
    for (const incident of changes.newIncidents) {
      const number = next++;
      numbers.set(incident.id, number);
      this.insertIncident.run(
        incident.id,
        number,
        incident.fingerprint,
        incident.kind,
        incident.title,
        incident.tenant,
        incident.service,
        incident.environment,
        incident.errorPattern,
        incident.severity,
        incident.priority,
        incident.state,
        incident.firstSeenAt,
        incident.lastSeenAt,
        incident.signalCount,
        incident.escalationLevel,
        JSON.stringify(incident.platforms),
        incident.matchedRule,
        incident.summary,
        incident.createdAt,
        incident.updatedAt,
        incident.acknowledgedAt,
        incident.resolvedAt,
        JSON.stringify(incident.context),
        incident.patternId,
      );
    }
    for (const stored of changes.signals) {
      const s = stored.signal;
      this.insertSignal.run(
        s.id,
        s.source,
        s.sourceId,
        s.receivedAt,
        s.occurredAt,
        s.status,
        s.kind,
        s.tenant,
        s.service,
        s.environment,
        s.severity,
        s.score,
        s.title,
        s.message,
        s.errorPattern,
        stored.fingerprint,
        s.alertKey,
        s.traceId,
        stored.outcome,
        stored.outcomeReason,
        stored.incidentId,
        signalDetailOf(s),
      );
    }
    for (const alert of changes.alertStates) this.upsertAlert.run(alert.incidentId, alert.alertKey, alert.status, alert.at);
    for (const event of changes.timeline) {
      this.insertTimeline.run(event.incidentId, event.at, event.actor, event.action, event.detail, event.rule);
    }
    // New rows are due at once (next_attempt_at 0), whatever clock the caller runs on, unless held (notBefore).
    const now = Date.now();
    for (const delivery of changes.deliveries) {
      this.insertDelivery.run(
        newId(),
        delivery.incidentId,
        delivery.platform,
        delivery.action,
        idempotencyKey(delivery),
        delivery.notBefore ?? 0,
        delivery.detail,
        delivery.causedAt,
        now,
        now,
        delivery.investigation ? JSON.stringify(delivery.investigation) : null,
      );
    }
    for (const timer of changes.timers) this.insertTimer.run(newId(), timer.kind, timer.incidentId, timer.step, timer.dueAt, now);
    return numbers;
  }

  private updateIncident(change: IncidentChange): void {
    const fields = Object.keys(change.set).sort() as (keyof IncidentChange["set"])[];
    const commutes = countsSignalsOnly(change);
    const cacheKey = `${fields.join(",")}${commutes ? ";commutes" : ""}`;
    let statement = this.updateStatements.get(cacheKey);
    if (!statement) {
      const assignments = fields.map((field) =>
        // Out-of-order signals must never move last_seen_at backwards.
        field === "lastSeenAt" ? "last_seen_at = MAX(last_seen_at, @lastSeenAt)" : `${INCIDENT_COLUMN[field]} = @${field}`,
      );
      statement = this.raw.prepare(
        `UPDATE incidents SET ${[...assignments, "signal_count = signal_count + @addSignals", "updated_at = @at", "version = version + 1"].join(", ")}
         WHERE id = @id AND ${commutes ? "state <> 'resolved'" : "version = @expectedVersion"}`,
      );
      this.updateStatements.set(cacheKey, statement);
    }
    const result = statement.run({
      ...change.set,
      ...(change.set.context ? { context: JSON.stringify(change.set.context) } : {}),
      ...(change.set.platforms ? { platforms: JSON.stringify(change.set.platforms) } : {}),
      addSignals: change.addSignals,
      at: change.at,
      id: change.id,
      ...(commutes ? {} : { expectedVersion: change.expectedVersion }),
    });
    if (result.changes !== 1) {
      throw new SluiceError("CONFLICT", `incident ${change.id} changed concurrently; retry`);
    }
  }
}

/** A unique violation means a concurrent writer got there first: the caller re-plans (CONFLICT). */
function conflictFromUnique(error: unknown): unknown {
  if ((error as { code?: string }).code !== "SQLITE_CONSTRAINT_UNIQUE") return error;
  const message = String((error as Error).message).includes("incidents.fingerprint")
    ? "another unresolved incident has the same fingerprint; resolve or use that one"
    : "a concurrent write stored the same record; retry";
  return new SluiceError("CONFLICT", message, { cause: error });
}

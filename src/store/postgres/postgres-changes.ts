import { type Kysely, sql } from "kysely";
import { SluiceError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { type ChangeSet, countsSignalsOnly, type IncidentChange } from "../../core/ports/store.ts";
import { INCIDENT_COLUMN, idempotencyKey, signalDetailOf, type Tables } from "../rows.ts";

/** The same words as the SQLite store, so callers and operators see one message whatever the engine. */
const OPEN_FINGERPRINT_TAKEN = "another unresolved incident has the same fingerprint; resolve or use that one";

/**
 * Writes one change set inside the caller's transaction. Rows go in with one `INSERT ... SELECT FROM
 * unnest(arrays)` per table: one round trip whatever the batch size, and a fixed number of parameters
 * (a multi-row VALUES list would hit PostgreSQL's 65,535-parameter limit at about 3,000 signals).
 */
export async function writeChanges(trx: Kysely<Tables>, changes: ChangeSet): Promise<Map<string, number>> {
  try {
    // Every replica locks incident rows in id order, so two change sets cannot deadlock on them
    // (the sort is stable: two changes of one incident keep their order). Changes go before inserts: a
    // batch may resolve an incident and open its successor with the same fingerprint, and the
    // open-per-fingerprint index must see the old one resolved first.
    const byId = [...changes.incidentChanges].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const change of byId) await updateIncident(trx, change);
    const numbers = await insertIncidents(trx, changes);
    await insertSignals(trx, changes);
    await upsertAlerts(trx, changes);
    await insertTimeline(trx, changes);
    await insertDeliveries(trx, changes);
    await insertTimers(trx, changes);
    return numbers;
  } catch (error) {
    if (isOpenFingerprintViolation(error)) throw new SluiceError("CONFLICT", OPEN_FINGERPRINT_TAKEN, { cause: error });
    // The same upstream signal sent to two replicas at once: planning again marks it a duplicate.
    if ((error as { code?: string; constraint?: string }).constraint === "signals_source_id") {
      throw new SluiceError("CONFLICT", "a signal with the same source and id was stored concurrently; retry", { cause: error });
    }
    // A deadlock victim (other lock orders remain, e.g. the unique index) lost a race like a stale
    // version: the caller plans again.
    const code = (error as { code?: string }).code;
    if (code === "40P01" || code === "40001") {
      throw new SluiceError("CONFLICT", "the change set raced another writer; retry", { cause: error });
    }
    throw error;
  }
}

function isOpenFingerprintViolation(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string };
  return e.code === "23505" && e.constraint === "incidents_open_fingerprint";
}

async function insertIncidents(trx: Kysely<Tables>, changes: ChangeSet): Promise<Map<string, number>> {
  const numbers = new Map<string, number>();
  const rows = changes.newIncidents;
  if (rows.length === 0) return numbers;
  // Numbers come from the identity sequence, shared by every replica; ORDER BY ord hands them out in
  // the order of the change set.
  const result = await sql<{ id: string; number: number }>`
    INSERT INTO incidents (id, fingerprint, kind, title, tenant, service, environment, error_pattern, severity, priority,
      state, first_seen_at, last_seen_at, signal_count, escalation_level, platforms, matched_rule, summary, created_at,
      updated_at, acknowledged_at, resolved_at, context, pattern_id, version)
    SELECT id, fingerprint, kind, title, tenant, service, environment, error_pattern, severity, priority, state,
      first_seen_at, last_seen_at, signal_count, escalation_level, platforms, matched_rule, summary, created_at,
      updated_at, acknowledged_at, resolved_at, context, pattern_id, 0
    FROM unnest(${rows.map((i) => i.id)}::text[], ${rows.map((i) => i.fingerprint)}::text[], ${rows.map((i) => i.kind)}::text[],
      ${rows.map((i) => i.title)}::text[], ${rows.map((i) => i.tenant)}::text[], ${rows.map((i) => i.service)}::text[],
      ${rows.map((i) => i.environment)}::text[], ${rows.map((i) => i.errorPattern)}::text[], ${rows.map((i) => i.severity)}::text[],
      ${rows.map((i) => i.priority)}::text[], ${rows.map((i) => i.state)}::text[], ${rows.map((i) => i.firstSeenAt)}::bigint[],
      ${rows.map((i) => i.lastSeenAt)}::bigint[], ${rows.map((i) => i.signalCount)}::integer[],
      ${rows.map((i) => i.escalationLevel)}::integer[], ${rows.map((i) => JSON.stringify(i.platforms))}::text[],
      ${rows.map((i) => i.matchedRule)}::text[], ${rows.map((i) => i.summary)}::text[], ${rows.map((i) => i.createdAt)}::bigint[],
      ${rows.map((i) => i.updatedAt)}::bigint[], ${rows.map((i) => i.acknowledgedAt)}::bigint[],
      ${rows.map((i) => i.resolvedAt)}::bigint[], ${rows.map((i) => JSON.stringify(i.context))}::text[],
      ${rows.map((i) => i.patternId)}::text[])
      WITH ORDINALITY AS t(id, fingerprint, kind, title, tenant, service, environment, error_pattern, severity, priority, state,
        first_seen_at, last_seen_at, signal_count, escalation_level, platforms, matched_rule, summary, created_at, updated_at,
        acknowledged_at, resolved_at, context, pattern_id, ord)
    ORDER BY ord
    RETURNING id, number`.execute(trx);
  for (const row of result.rows) numbers.set(row.id, row.number);
  return numbers;
}

async function updateIncident(trx: Kysely<Tables>, change: IncidentChange): Promise<void> {
  const fields = Object.keys(change.set).sort() as (keyof IncidentChange["set"])[];
  const assignments = fields.map((field) => {
    const raw = change.set[field] ?? null;
    const value = (field === "context" || field === "platforms") && raw !== null ? JSON.stringify(raw) : raw;
    // Out-of-order signals must never move last_seen_at backwards.
    return field === "lastSeenAt"
      ? sql`last_seen_at = GREATEST(last_seen_at, ${value})`
      : sql`${sql.ref(INCIDENT_COLUMN[field])} = ${value}`;
  });
  assignments.push(
    sql`signal_count = signal_count + ${change.addSignals}`,
    sql`updated_at = ${change.at}`,
    sql`version = version + 1`,
  );
  // Counting signals in commutes: it needs the incident unresolved, not unchanged (countsSignalsOnly).
  const guard = countsSignalsOnly(change) ? sql`state <> 'resolved'` : sql`version = ${change.expectedVersion}`;
  const result = await sql`UPDATE incidents SET ${sql.join(assignments)}
    WHERE id = ${change.id} AND ${guard}`.execute(trx);
  if (result.numAffectedRows !== 1n) {
    throw new SluiceError("CONFLICT", `incident ${change.id} changed concurrently; retry`);
  }
}

async function insertSignals(trx: Kysely<Tables>, changes: ChangeSet): Promise<void> {
  const rows = changes.signals;
  if (rows.length === 0) return;
  const s = rows.map((stored) => stored.signal);
  const details = s.map(signalDetailOf);
  await sql`
    INSERT INTO signals (id, source, source_id, received_at, occurred_at, status, kind, tenant, service, environment,
      severity, score, title, message, error_pattern, fingerprint, alert_key, trace_id, outcome, outcome_reason, incident_id, detail)
    SELECT * FROM unnest(${s.map((x) => x.id)}::text[], ${s.map((x) => x.source)}::text[], ${s.map((x) => x.sourceId)}::text[],
      ${s.map((x) => x.receivedAt)}::bigint[], ${s.map((x) => x.occurredAt)}::bigint[], ${s.map((x) => x.status)}::text[],
      ${s.map((x) => x.kind)}::text[], ${s.map((x) => x.tenant)}::text[], ${s.map((x) => x.service)}::text[],
      ${s.map((x) => x.environment)}::text[], ${s.map((x) => x.severity)}::text[], ${s.map((x) => x.score)}::double precision[],
      ${s.map((x) => x.title)}::text[], ${s.map((x) => x.message)}::text[], ${s.map((x) => x.errorPattern)}::text[],
      ${rows.map((x) => x.fingerprint)}::text[], ${s.map((x) => x.alertKey)}::text[], ${s.map((x) => x.traceId)}::text[],
      ${rows.map((x) => x.outcome)}::text[], ${rows.map((x) => x.outcomeReason)}::text[], ${rows.map((x) => x.incidentId)}::text[],
      ${details}::text[])`.execute(trx);
}

async function upsertAlerts(trx: Kysely<Tables>, changes: ChangeSet): Promise<void> {
  if (changes.alertStates.length === 0) return;
  // One statement may not upsert a row twice: keep the last state per alert, as row-by-row upserts would.
  const last = new Map<string, ChangeSet["alertStates"][number]>();
  for (const alert of changes.alertStates) last.set(`${alert.incidentId}\u0000${alert.alertKey}`, alert);
  const rows = [...last.values()];
  await sql`
    INSERT INTO incident_alerts (incident_id, alert_key, status, updated_at)
    SELECT * FROM unnest(${rows.map((a) => a.incidentId)}::text[], ${rows.map((a) => a.alertKey)}::text[],
      ${rows.map((a) => a.status)}::text[], ${rows.map((a) => a.at)}::bigint[])
    ON CONFLICT (incident_id, alert_key) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`.execute(trx);
}

async function insertTimeline(trx: Kysely<Tables>, changes: ChangeSet): Promise<void> {
  const rows = changes.timeline;
  if (rows.length === 0) return;
  // Timelines are read in id order: ORDER BY ord keeps the order of the change set.
  await sql`
    INSERT INTO timeline (incident_id, at, actor, action, detail, rule)
    SELECT incident_id, at, actor, action, detail, rule
    FROM unnest(${rows.map((e) => e.incidentId)}::text[], ${rows.map((e) => e.at)}::bigint[], ${rows.map((e) => e.actor)}::text[],
      ${rows.map((e) => e.action)}::text[], ${rows.map((e) => e.detail)}::text[], ${rows.map((e) => e.rule)}::text[])
      WITH ORDINALITY AS t(incident_id, at, actor, action, detail, rule, ord)
    ORDER BY ord`.execute(trx);
}

async function insertDeliveries(trx: Kysely<Tables>, changes: ChangeSet): Promise<void> {
  const rows = changes.deliveries;
  if (rows.length === 0) return;
  // New rows are due at once (next_attempt_at 0), whatever clock the caller runs on, unless held (notBefore). Ids are ULIDs, so
  // ordering by id is ordering by creation, as in the SQLite store.
  const now = Date.now();
  await sql`
    INSERT INTO deliveries (id, incident_id, platform, action, idempotency_key, status, attempts, next_attempt_at,
      lease_until, last_error, detail, caused_at, created_at, updated_at, investigation)
    SELECT id, incident_id, platform, action, idempotency_key, 'pending', 0, not_before, 0, NULL, detail, caused_at, ${now}::bigint, ${now}::bigint,
      investigation
    FROM unnest(${rows.map(() => newId())}::text[], ${rows.map((d) => d.incidentId)}::text[], ${rows.map((d) => d.platform)}::text[],
      ${rows.map((d) => d.action)}::text[],
      ${rows.map(idempotencyKey)}::text[],
      ${rows.map((d) => d.detail)}::text[], ${rows.map((d) => d.causedAt)}::bigint[], ${rows.map((d) => d.notBefore ?? 0)}::bigint[],
      ${rows.map((d) => (d.investigation ? JSON.stringify(d.investigation) : null))}::text[])
      AS t(id, incident_id, platform, action, idempotency_key, detail, caused_at, not_before, investigation)`.execute(trx);
}

async function insertTimers(trx: Kysely<Tables>, changes: ChangeSet): Promise<void> {
  const rows = changes.timers;
  if (rows.length === 0) return;
  await sql`
    INSERT INTO timers (id, kind, incident_id, step, due_at, lease_until, status, created_at)
    SELECT id, kind, incident_id, step, due_at, 0, 'pending', ${Date.now()}::bigint
    FROM unnest(${rows.map(() => newId())}::text[], ${rows.map((t) => t.kind)}::text[], ${rows.map((t) => t.incidentId)}::text[],
      ${rows.map((t) => t.step)}::integer[], ${rows.map((t) => t.dueAt)}::bigint[])
      AS t(id, kind, incident_id, step, due_at)`.execute(trx);
}

import type Database from "better-sqlite3";
import type { Kysely } from "kysely";
import type { Incident } from "../../core/incident.ts";
import type { Severity, Signal } from "../../core/signal.ts";
import type { Ticket } from "../../core/ticket.ts";
import type { TimelineEvent } from "../../core/timeline.ts";
import {
  type IncidentRow,
  incidentFromRow,
  type SignalRow,
  signalFromRow,
  type Tables,
  type TicketRow,
  type TimelineRow,
  ticketFromRow,
  timelineFromRow,
} from "../rows.ts";
import type { IncidentQuery, IncidentRepository, OpenIncident } from "../store.ts";

const KEY = /^INC-(\d+)$/i;

export class SqliteIncidents implements IncidentRepository {
  private readonly openByFingerprint: Database.Statement;
  private readonly firingAlerts: Database.Statement;
  // One read transaction per batch: without it every lookup takes and drops the file locks.
  private readonly findOpenTx: (fingerprints: readonly string[]) => Map<string, OpenIncident>;
  private readonly findResolvedTx: (fingerprints: readonly string[], since: number) => Map<string, OpenIncident>;

  constructor(
    raw: Database.Database,
    private readonly db: Kysely<Tables>,
  ) {
    this.openByFingerprint = raw.prepare(
      `SELECT id, number, fingerprint, kind, severity, state, first_seen_at, last_seen_at, platforms, version
       FROM incidents WHERE fingerprint = ? AND state <> 'resolved'`,
    );
    this.firingAlerts = raw.prepare("SELECT alert_key FROM incident_alerts WHERE incident_id = ? AND status = 'firing'").pluck();
    const resolvedSince = raw.prepare(
      `SELECT id, number, fingerprint, kind, severity, state, first_seen_at, last_seen_at, platforms, version, resolved_at
       FROM incidents WHERE fingerprint = ? AND state = 'resolved' AND resolved_at >= ? ORDER BY resolved_at DESC LIMIT 1`,
    );
    this.findResolvedTx = raw.transaction((fingerprints: readonly string[], since: number) => {
      const found = new Map<string, OpenIncident>();
      for (const fingerprint of new Set(fingerprints)) {
        const row = resolvedSince.get(fingerprint, since) as IncidentRow | undefined;
        if (row) found.set(fingerprint, { ...openIncidentFromRow(row, new Set()), resolvedAt: Number(row.resolved_at) });
      }
      return found;
    });
    this.findOpenTx = raw.transaction((fingerprints: readonly string[]) => {
      const found = new Map<string, OpenIncident>();
      for (const fingerprint of new Set(fingerprints)) {
        const row = this.openByFingerprint.get(fingerprint) as IncidentRow | undefined;
        if (!row) continue;
        const firing = row.kind === "alert" ? new Set(this.firingAlerts.all(row.id) as string[]) : new Set<string>();
        found.set(fingerprint, openIncidentFromRow(row, firing));
      }
      return found;
    });
  }

  async findResolvedSince(fingerprints: readonly string[], since: number): Promise<Map<string, OpenIncident>> {
    return fingerprints.length === 0 ? new Map() : this.findResolvedTx(fingerprints, since);
  }

  async findOpen(fingerprints: readonly string[]): Promise<Map<string, OpenIncident>> {
    return this.findOpenTx(fingerprints);
  }

  async get(idOrKey: string): Promise<Incident | null> {
    const key = KEY.exec(idOrKey);
    const query = this.db.selectFrom("incidents").selectAll();
    const row = await (key?.[1]
      ? query.where("number", "=", Number(key[1]))
      : query.where("id", "=", idOrKey)
    ).executeTakeFirst();
    return row ? incidentFromRow(row) : null;
  }

  async linkedTickets(platform: string, limit: number): Promise<{ incidentId: string; externalId: string }[]> {
    const rows = await this.db
      .selectFrom("tickets")
      .innerJoin("incidents", "incidents.id", "tickets.incident_id")
      .select(["tickets.incident_id as incidentId", "tickets.external_id as externalId"])
      .where("tickets.platform", "=", platform)
      .where("incidents.state", "<>", "resolved")
      .limit(limit)
      .execute();
    return rows;
  }

  async byTicket(platform: string, externalId: string): Promise<Incident | null> {
    const row = await this.db
      .selectFrom("incidents")
      .innerJoin("tickets", "tickets.incident_id", "incidents.id")
      .selectAll("incidents")
      .where("tickets.platform", "=", platform)
      .where("tickets.external_id", "=", externalId)
      .executeTakeFirst();
    return row ? incidentFromRow(row) : null;
  }

  async list(query: IncidentQuery): Promise<{ items: Incident[]; nextCursor: string | null }> {
    let select = this.db.selectFrom("incidents").selectAll();
    if (query.state?.length) select = select.where("state", "in", query.state);
    if (query.severity?.length) select = select.where("severity", "in", query.severity);
    if (query.service) select = select.where("service", "=", query.service);
    if (query.since !== undefined) select = select.where("last_seen_at", ">=", query.since);
    // Newest first by number; the cursor is the last number seen, so pages stay stable as incidents arrive.
    if (query.cursor) select = select.where("number", "<", Number(query.cursor));
    const rows = await select
      .orderBy("number", "desc")
      .limit(query.limit + 1)
      .execute();
    const items = rows.slice(0, query.limit).map(incidentFromRow);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > query.limit && last ? String(last.number) : null };
  }

  async signals(incidentId: string, limit: number): Promise<Signal[]> {
    const rows = await this.db
      .selectFrom("signals")
      .selectAll()
      .where("incident_id", "=", incidentId)
      .orderBy("occurred_at", "desc")
      .limit(limit)
      .execute();
    return rows.map((row) => signalFromRow(row as SignalRow));
  }

  async timeline(incidentId: string): Promise<TimelineEvent[]> {
    const rows = await this.db.selectFrom("timeline").selectAll().where("incident_id", "=", incidentId).orderBy("id").execute();
    return rows.map((row) => timelineFromRow(row as TimelineRow));
  }

  async tickets(incidentId: string): Promise<Ticket[]> {
    const rows = await this.db
      .selectFrom("tickets")
      .selectAll()
      .where("incident_id", "=", incidentId)
      .orderBy("platform")
      .execute();
    return rows.map((row) => ticketFromRow(row as TicketRow));
  }

  async quietAnomalies(before: number, limit: number): Promise<Incident[]> {
    const rows = await this.db
      .selectFrom("incidents")
      .selectAll()
      .where("state", "<>", "resolved")
      .where("kind", "=", "anomaly")
      .where("last_seen_at", "<", before)
      .orderBy("last_seen_at")
      .limit(limit)
      .execute();
    return rows.map(incidentFromRow);
  }
}

function openIncidentFromRow(row: IncidentRow, firingAlerts: Set<string>): OpenIncident {
  return {
    id: row.id,
    number: row.number,
    fingerprint: row.fingerprint,
    kind: row.kind as OpenIncident["kind"],
    severity: row.severity as Severity,
    state: row.state as OpenIncident["state"],
    firstSeenAt: Number(row.first_seen_at),
    lastSeenAt: Number(row.last_seen_at),
    platforms: JSON.parse(row.platforms) as string[],
    version: row.version,
    firingAlerts,
  };
}

import type Database from "better-sqlite3";
import { type Kysely, type RawBuilder, sql } from "kysely";
import type { Incident } from "../../core/incident.ts";
import type { IncidentHead, OpenIncident } from "../../core/ports/store.ts";
import { INCIDENT_KEY, KyselyIncidentReads } from "../incident-reads.ts";
import { headFromRow, type IncidentRow, incidentFromRow, openIncidentFromRow, type Tables } from "../rows.ts";

export class SqliteIncidents extends KyselyIncidentReads {
  private readonly openByFingerprint: Database.Statement;
  private readonly firingAlerts: Database.Statement;
  // Read for every delivery attempt and every investigation: prepared once instead of built by Kysely each time.
  private readonly byId: Database.Statement;
  private readonly byNumber: Database.Statement;
  // One read transaction per batch: without it every lookup takes and drops the file locks.
  private readonly findOpenTx: (fingerprints: readonly string[]) => Map<string, OpenIncident>;
  private readonly readHeads: (ids: readonly string[]) => Map<string, IncidentHead>;
  private readonly readMany: (ids: readonly string[]) => Map<string, Incident>;
  private readonly findResolvedTx: (fingerprints: readonly string[], since: number) => Map<string, OpenIncident>;

  protected override teamColumn(): RawBuilder<string | null> {
    return sql<string | null>`json_extract(context, '$.owner.team')`;
  }

  constructor(raw: Database.Database, db: Kysely<Tables>) {
    super(db);
    this.openByFingerprint = raw.prepare(
      `SELECT id, number, fingerprint, kind, severity, state, first_seen_at, last_seen_at, platforms, version
       FROM incidents WHERE fingerprint = ? AND state <> 'resolved'`,
    );
    this.byId = raw.prepare("SELECT * FROM incidents WHERE id = ?");
    this.byNumber = raw.prepare("SELECT * FROM incidents WHERE number = ?");
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
    // Six columns instead of every one: building a row object of all 27 cost more than finding it.
    const headById = raw.prepare("SELECT id, number, tenant, service, environment, state FROM incidents WHERE id = ?");
    this.readHeads = (ids: readonly string[]) => {
      const found = new Map<string, IncidentHead>();
      for (const id of new Set(ids)) {
        const row = headById.get(id) as IncidentRow | undefined;
        if (row) found.set(id, headFromRow(row));
      }
      return found;
    };
    // No transaction around these reads: each incident stands alone (no snapshot across them is needed),
    // and a BEGIN and COMMIT per round of a few reads cost as much as the reads.
    this.readMany = (ids: readonly string[]) => {
      const found = new Map<string, Incident>();
      for (const id of new Set(ids)) {
        const row = this.byId.get(id) as IncidentRow | undefined;
        if (row) found.set(id, incidentFromRow(row));
      }
      return found;
    };
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

  override async get(idOrKey: string): Promise<Incident | null> {
    const key = INCIDENT_KEY.exec(idOrKey);
    const row = (key?.[1] ? this.byNumber.get(Number(key[1])) : this.byId.get(idOrKey)) as IncidentRow | undefined;
    return row ? incidentFromRow(row) : null;
  }

  override async getMany(ids: readonly string[]): Promise<Map<string, Incident>> {
    return ids.length === 0 ? new Map() : this.readMany(ids);
  }

  override async heads(ids: readonly string[]): Promise<Map<string, IncidentHead>> {
    return ids.length === 0 ? new Map() : this.readHeads(ids);
  }

  override async findResolvedSince(fingerprints: readonly string[], since: number): Promise<Map<string, OpenIncident>> {
    return fingerprints.length === 0 ? new Map() : this.findResolvedTx(fingerprints, since);
  }

  override async findOpen(fingerprints: readonly string[]): Promise<Map<string, OpenIncident>> {
    return this.findOpenTx(fingerprints);
  }
}

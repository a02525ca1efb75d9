import { type RawBuilder, sql } from "kysely";
import type { OpenIncident } from "../../core/ports/store.ts";
import { KyselyIncidentReads } from "../incident-reads.ts";
import { type OpenIncidentRow, openIncidentFromRow } from "../rows.ts";

export class PostgresIncidents extends KyselyIncidentReads {
  protected override teamColumn(): RawBuilder<string | null> {
    return sql<string | null>`(context::jsonb #>> '{owner,team}')`;
  }

  override async findOpen(fingerprints: readonly string[]): Promise<Map<string, OpenIncident>> {
    const found = new Map<string, OpenIncident>();
    if (fingerprints.length === 0) return found;
    // One statement for the whole batch (one round trip, one snapshot), firing alerts folded in.
    const { rows } = await sql<OpenIncidentRow & { firing_alerts: string[] }>`
      SELECT i.id, i.number, i.fingerprint, i.kind, i.severity, i.state, i.first_seen_at, i.last_seen_at, i.platforms, i.version,
        CASE WHEN i.kind = 'alert' THEN ARRAY(SELECT a.alert_key FROM incident_alerts a
                                              WHERE a.incident_id = i.id AND a.status = 'firing')
             ELSE '{}'::text[] END AS firing_alerts
      FROM incidents i
      WHERE i.fingerprint = ANY(${[...new Set(fingerprints)]}::text[]) AND i.state <> 'resolved'`.execute(this.db);
    for (const row of rows) found.set(row.fingerprint, openIncidentFromRow(row, new Set(row.firing_alerts)));
    return found;
  }

  override async findResolvedSince(fingerprints: readonly string[], since: number): Promise<Map<string, OpenIncident>> {
    const found = new Map<string, OpenIncident>();
    if (fingerprints.length === 0) return found;
    const { rows } = await sql<OpenIncidentRow & { resolved_at: number }>`
      SELECT DISTINCT ON (fingerprint) id, number, fingerprint, kind, severity, state, first_seen_at, last_seen_at, platforms,
        version, resolved_at
      FROM incidents
      WHERE fingerprint = ANY(${[...new Set(fingerprints)]}::text[]) AND state = 'resolved' AND resolved_at >= ${since}
      ORDER BY fingerprint, resolved_at DESC, number DESC`.execute(this.db);
    for (const row of rows) {
      found.set(row.fingerprint, { ...openIncidentFromRow(row, new Set()), resolvedAt: Number(row.resolved_at) });
    }
    return found;
  }
}

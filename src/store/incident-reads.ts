import { type Kysely, type RawBuilder, sql } from "kysely";
import type { Incident } from "../core/incident.ts";
import type { IncidentHead, IncidentQuery, IncidentRepository, OpenIncident } from "../core/ports/store.ts";
import type { Signal } from "../core/signal.ts";
import type { Ticket } from "../core/ticket.ts";
import type { TimelineEvent } from "../core/timeline.ts";
import { CompiledShapes } from "./compiled-shapes.ts";
import {
  headFromRow,
  incidentFromRow,
  type SignalRow,
  signalFromRow,
  type Tables,
  type TicketRow,
  type TimelineRow,
  ticketFromRow,
  timelineFromRow,
} from "./rows.ts";

/** An incident key as people write it (INC-42); both engines look those up by number. */
export const INCIDENT_KEY = /^INC-(\d+)$/i;

/** Ids per query: well inside every engine's bound-parameter limit. */
const ID_CHUNK = 500;

/**
 * The incident reads both engines answer with the same Kysely queries; each engine adds its own
 * hot-path lookups for correlation (findOpen, findResolvedSince).
 */
export abstract class KyselyIncidentReads implements IncidentRepository {
  /** The latest signals are read for every investigation (twice) and symptom check: compiled once. */
  private readonly shapes = new CompiledShapes();

  constructor(protected readonly db: Kysely<Tables>) {}

  abstract findOpen(fingerprints: readonly string[]): Promise<Map<string, OpenIncident>>;
  abstract findResolvedSince(fingerprints: readonly string[], since: number): Promise<Map<string, OpenIncident>>;
  /** The owning team in the context document, as each engine reads JSON (null without an owner). */
  protected abstract teamColumn(): RawBuilder<string | null>;

  async get(idOrKey: string): Promise<Incident | null> {
    const key = INCIDENT_KEY.exec(idOrKey);
    const query = this.db.selectFrom("incidents").selectAll();
    const row = await (key?.[1]
      ? query.where("number", "=", Number(key[1]))
      : query.where("id", "=", idOrKey)
    ).executeTakeFirst();
    return row ? incidentFromRow(row) : null;
  }

  async getMany(ids: readonly string[]): Promise<Map<string, Incident>> {
    const found = new Map<string, Incident>();
    for (const id of new Set(ids)) {
      const incident = INCIDENT_KEY.test(id) ? null : await this.get(id);
      if (incident) found.set(id, incident);
    }
    return found;
  }

  async heads(ids: readonly string[]): Promise<Map<string, IncidentHead>> {
    const found = new Map<string, IncidentHead>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += ID_CHUNK) {
      const rows = await this.db
        .selectFrom("incidents")
        .select(["id", "number", "tenant", "service", "environment", "state"])
        .where("id", "in", unique.slice(i, i + ID_CHUNK))
        .execute();
      for (const row of rows) found.set(row.id, headFromRow(row));
    }
    return found;
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
      .where((eb) => eb.or([eb("tickets.external_id", "=", externalId), eb("tickets.platform_id", "=", externalId)]))
      .executeTakeFirst();
    return row ? incidentFromRow(row) : null;
  }

  async list(query: IncidentQuery): Promise<{ items: Incident[]; nextCursor: string | null }> {
    let select = this.db.selectFrom("incidents").selectAll();
    if (query.state?.length) select = select.where("state", "in", query.state);
    if (query.severity?.length) select = select.where("severity", "in", query.severity);
    if (query.service) select = select.where("service", "=", query.service);
    // Team and text are filtered here, not in the browser, so a narrow view of 10,000 incidents loads only its rows.
    const team = this.teamColumn();
    if (query.team) select = select.where(sql`lower(coalesce(${team}, ''))`, "=", query.team.toLowerCase());
    if (query.text) {
      const pattern = `%${query.text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const like = (column: RawBuilder<unknown>) => sql<boolean>`lower(${column}) LIKE ${pattern} ESCAPE '\\'`;
      select = select.where((eb) =>
        eb.or([
          like(sql`'INC-' || ${sql.ref("number")}`),
          like(sql.ref("title")),
          like(sql.ref("service")),
          like(sql`coalesce(${team}, '')`),
        ]),
      );
    }
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
    const rows = await this.shapes.rows(this.db, "signals", [incidentId, limit], () =>
      this.db.selectFrom("signals").selectAll().where("incident_id", "=", incidentId).orderBy("occurred_at", "desc").limit(limit),
    );
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

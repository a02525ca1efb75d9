import type { Kysely } from "kysely";
import { SLI_TIMELINE_ACTIONS, type SliFacts, type SliReads } from "../core/ports/sli-reads.ts";
import type { Severity } from "../core/signal.ts";
import { parseContext, type Tables } from "./rows.ts";

/** Incidents read per query: the ids of a chunk go into IN lists of this size. */
const CHUNK = 500;

/** The ticketing SLIs' reads, the same Kysely queries on both engines. */
export class KyselySliReads implements SliReads {
  constructor(private readonly db: Kysely<Tables>) {}

  async facts(from: number, to: number): Promise<SliFacts> {
    const rows = await this.db
      .selectFrom("incidents")
      .select([
        "id",
        "severity",
        "state",
        "first_seen_at",
        "created_at",
        "acknowledged_at",
        "resolved_at",
        "escalation_level",
        "context",
      ])
      .where("created_at", ">=", from)
      .where("created_at", "<=", to)
      .orderBy("number")
      .execute();
    const facts: SliFacts = {
      incidents: rows.map((row) => ({
        id: row.id,
        severity: row.severity as Severity,
        state: row.state as SliFacts["incidents"][number]["state"],
        firstSeenAt: Number(row.first_seen_at),
        createdAt: Number(row.created_at),
        acknowledgedAt: row.acknowledged_at === null ? null : Number(row.acknowledged_at),
        resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
        escalationLevel: row.escalation_level,
        context: parseContext(row.context),
      })),
      tickets: [],
      timeline: [],
    };
    for (let start = 0; start < rows.length; start += CHUNK) {
      const ids = rows.slice(start, start + CHUNK).map((row) => row.id);
      const tickets = await this.db
        .selectFrom("tickets")
        .select(["incident_id", "platform", "created_at"])
        .where("incident_id", "in", ids)
        .execute();
      for (const ticket of tickets)
        facts.tickets.push({ incidentId: ticket.incident_id, platform: ticket.platform, createdAt: Number(ticket.created_at) });
      const entries = await this.db
        .selectFrom("timeline")
        .select(["incident_id", "at", "actor", "action", "detail", "rule"])
        .where("incident_id", "in", ids)
        .where("action", "in", [...SLI_TIMELINE_ACTIONS])
        .orderBy("id")
        .execute();
      for (const entry of entries)
        facts.timeline.push({
          incidentId: entry.incident_id,
          at: Number(entry.at),
          actor: entry.actor,
          action: entry.action,
          detail: entry.detail,
          rule: entry.rule,
        });
    }
    return facts;
  }
}

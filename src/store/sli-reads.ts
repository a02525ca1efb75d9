import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { Kysely } from "kysely";
import { SLI_TIMELINE_ACTIONS, type SliFacts, type SliReads } from "../core/ports/sli-reads.ts";
import type { Severity } from "../core/signal.ts";
import { parseContext, type Tables } from "./rows.ts";

/**
 * Incidents read per query, with their tickets and timeline entries: a page of incidents by number, whose ids go
 * into the IN lists. Between pages the read yields to the event loop: a scrape of /metrics covers a day of
 * incidents (thousands in a storm), and reading them in one stretch held every request for 100 ms and more.
 */
const CHUNK = 250;

/** The ticketing SLIs' reads, the same Kysely queries on both engines. */
export class KyselySliReads implements SliReads {
  constructor(private readonly db: Kysely<Tables>) {}

  async facts(from: number, to: number): Promise<SliFacts> {
    const facts: SliFacts = { incidents: [], tickets: [], timeline: [] };
    // Keyset pages in (created_at, number) order: the created_at index serves both the range and the order.
    for (let after: [number, number] = [from, -1]; ; ) {
      const [afterCreated, afterNumber] = after;
      const rows = await this.db
        .selectFrom("incidents")
        .select([
          "id",
          "number",
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
        .where((eb) => eb(eb.refTuple("created_at", "number"), ">", eb.tuple(afterCreated, afterNumber)))
        .orderBy("created_at")
        .orderBy("number")
        .limit(CHUNK)
        .execute();
      for (const row of rows)
        facts.incidents.push({
          id: row.id,
          severity: row.severity as Severity,
          state: row.state as SliFacts["incidents"][number]["state"],
          firstSeenAt: Number(row.first_seen_at),
          createdAt: Number(row.created_at),
          acknowledgedAt: row.acknowledged_at === null ? null : Number(row.acknowledged_at),
          resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
          escalationLevel: row.escalation_level,
          context: parseContext(row.context),
        });
      if (rows.length > 0)
        await this.readTicketsAndTimeline(
          rows.map((row) => row.id),
          facts,
        );
      if (rows.length < CHUNK) break;
      const last = rows[rows.length - 1];
      after = [Number(last?.created_at), Number(last?.number)];
      await yieldToEventLoop();
    }
    return facts;
  }

  private async readTicketsAndTimeline(ids: string[], facts: SliFacts): Promise<void> {
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
}

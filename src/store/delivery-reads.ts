import { type Kysely, sql } from "kysely";
import type { Delivery } from "../core/delivery.ts";
import type { InvestigationDelivery } from "../core/investigation.ts";
import type { DeliveryQuery, DeliveryRepository } from "../core/ports/store.ts";
import type { Ticket } from "../core/ticket.ts";
import { deliveryFromRow, type Tables, type TicketRow, ticketFromRow } from "./rows.ts";

/**
 * The outbox reads both engines answer with the same Kysely queries; each engine adds its own claim and
 * completion writes (prepared statements on SQLite, SKIP LOCKED on PostgreSQL).
 */
export abstract class KyselyDeliveryReads
  implements
    Pick<
      DeliveryRepository,
      "list" | "get" | "setPlatformId" | "ticket" | "countByStatus" | "freeze" | "freezeAll" | "investigation"
    >
{
  constructor(protected readonly db: Kysely<Tables>) {}

  async list(query: DeliveryQuery): Promise<Delivery[]> {
    let select = this.db.selectFrom("deliveries").selectAll();
    if (query.status) select = select.where("status", "=", query.status);
    if (query.platform) select = select.where("platform", "=", query.platform);
    if (query.incidentId) select = select.where("incident_id", "=", query.incidentId);
    const rows = await select.orderBy("id", "desc").limit(query.limit).execute();
    return rows.map((row) => deliveryFromRow(row));
  }

  async get(id: string): Promise<Delivery | null> {
    const row = await this.db.selectFrom("deliveries").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? deliveryFromRow(row) : null;
  }

  async freeze(id: string, request: string): Promise<string> {
    // One statement: the first request wins, and whoever comes later (a retry, another replica) reads it back.
    const row = await this.db
      .updateTable("deliveries")
      .set({ request: sql<string>`COALESCE(request, ${request})` })
      .where("id", "=", id)
      .returning("request")
      .executeTakeFirst();
    return row?.request ?? request;
  }

  async freezeAll(requests: readonly { id: string; request: string }[]): Promise<string[]> {
    const kept: string[] = [];
    for (const { id, request } of requests) kept.push(await this.freeze(id, request));
    return kept;
  }

  async investigation(id: string): Promise<InvestigationDelivery | null> {
    const row = await this.db.selectFrom("deliveries").select("investigation").where("id", "=", id).executeTakeFirst();
    if (!row?.investigation) return null;
    // Written by this code from a typed value (the investigator's), so its shape is known.
    return JSON.parse(row.investigation) as InvestigationDelivery;
  }

  async setPlatformId(incidentId: string, platform: string, platformId: string): Promise<void> {
    await this.db
      .updateTable("tickets")
      .set({ platform_id: platformId })
      .where("incident_id", "=", incidentId)
      .where("platform", "=", platform)
      .execute();
  }

  async ticket(incidentId: string, platform: string): Promise<Ticket | null> {
    const row = await this.db
      .selectFrom("tickets")
      .selectAll()
      .where("incident_id", "=", incidentId)
      .where("platform", "=", platform)
      .executeTakeFirst();
    return row ? ticketFromRow(row as TicketRow) : null;
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom("deliveries")
      .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy("status")
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
  }
}

import { type Kysely, sql } from "kysely";
import type { Delivery } from "../../core/delivery.ts";
import type { DeliveredRecord, DeliveryRepository } from "../../core/ports/store.ts";
import type { Ticket } from "../../core/ticket.ts";
import { KyselyDeliveryReads } from "../delivery-reads.ts";
import { type DeliveryRow, deliveryFromRow, type Tables } from "../rows.ts";

export class PostgresDeliveries extends KyselyDeliveryReads implements DeliveryRepository {
  async claim(now: number, limit: number, leaseMs: number, excludePlatforms: readonly string[]): Promise<Delivery[]> {
    if (limit <= 0) return [];
    // The SQLite rule, made safe for many replicas: a row is due when its time has come, nobody holds
    // its lease, and no earlier row of the same incident and platform is still pending (changes reach a
    // platform in the order they happened). SKIP LOCKED passes over rows another replica is claiming
    // right now; once that replica commits, the lease_until recheck on the locked row keeps it out, and
    // the later rows of that incident stay behind the NOT EXISTS until the leased one is done.
    // ULIDs use only [0-9A-Z], which every collation orders like bytes, so id order is creation order.
    const { rows } = await sql<DeliveryRow>`
      WITH due AS (
        SELECT d.id FROM deliveries d
        WHERE d.status = 'pending' AND d.next_attempt_at <= ${now} AND d.lease_until <= ${now}
          AND d.platform <> ALL(${[...excludePlatforms]}::text[])
          AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.incident_id = d.incident_id AND e.platform = d.platform
                          AND e.status = 'pending' AND e.id < d.id)
        ORDER BY d.next_attempt_at, d.id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      UPDATE deliveries SET lease_until = ${now + leaseMs}, attempts = deliveries.attempts + 1
      FROM due
      WHERE deliveries.id = due.id AND deliveries.status = 'pending' AND deliveries.lease_until <= ${now}
      RETURNING deliveries.*`.execute(this.db);
    // attempts already counts this one, as the SQLite claim reports it.
    return rows
      .map((row) => deliveryFromRow(row))
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async delivered(delivery: Delivery, now: number, ticket: Omit<Ticket, "createdAt" | "updatedAt"> | null): Promise<void> {
    await this.deliveredAll([{ delivery, now, ticket }]);
  }

  async deliveredAll(records: readonly DeliveredRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const { delivery, now, ticket } of records) await this.record(trx, delivery, now, ticket);
    });
  }

  private async record(
    trx: Kysely<Tables>,
    delivery: Delivery,
    now: number,
    ticket: Omit<Ticket, "createdAt" | "updatedAt"> | null,
  ): Promise<void> {
    await sql`UPDATE deliveries SET status = 'delivered', last_error = NULL, updated_at = ${now}, lease_until = 0
                WHERE id = ${delivery.id}`.execute(trx);
    if (!ticket) return;
    await sql`
        INSERT INTO tickets (incident_id, platform, external_id, url, synced_state, meta, created_at, updated_at)
        VALUES (${ticket.incidentId}, ${ticket.platform}, ${ticket.externalId}, ${ticket.url}, ${ticket.syncedState},
                ${JSON.stringify(ticket.meta)}, ${now}, ${now})
        ON CONFLICT (incident_id, platform) DO UPDATE SET external_id = excluded.external_id,
          url = COALESCE(excluded.url, tickets.url), synced_state = excluded.synced_state,
          meta = excluded.meta, updated_at = excluded.updated_at`.execute(trx);
  }

  async retryLater(id: string, nextAttemptAt: number, error: string, now: number): Promise<void> {
    await sql`UPDATE deliveries SET next_attempt_at = ${nextAttemptAt}, last_error = ${error}, updated_at = ${now}, lease_until = 0
              WHERE id = ${id}`.execute(this.db);
  }

  async dead(id: string, error: string, now: number): Promise<void> {
    await sql`UPDATE deliveries SET status = 'dead', last_error = ${error}, updated_at = ${now}, lease_until = 0
              WHERE id = ${id}`.execute(this.db);
  }

  async release(id: string): Promise<void> {
    await sql`UPDATE deliveries SET lease_until = 0, attempts = attempts - 1 WHERE id = ${id} AND status = 'pending'`.execute(
      this.db,
    );
  }

  async revive(id: string, now: number): Promise<boolean> {
    const result = await sql`UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = 0, updated_at = ${now},
                               lease_until = 0, request = NULL WHERE id = ${id} AND status = 'dead'`.execute(this.db);
    return result.numAffectedRows === 1n;
  }
}

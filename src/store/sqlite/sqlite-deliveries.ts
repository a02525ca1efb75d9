import type Database from "better-sqlite3";
import type { Kysely } from "kysely";
import type { Delivery } from "../../core/delivery.ts";
import type { DeliveredRecord, DeliveryRepository } from "../../core/ports/store.ts";
import type { Ticket } from "../../core/ticket.ts";
import { KyselyDeliveryReads } from "../delivery-reads.ts";
import { type DeliveryRow, deliveryFromRow, type Tables, type TicketRow, ticketFromRow } from "../rows.ts";

export class SqliteDeliveries extends KyselyDeliveryReads implements DeliveryRepository {
  private readonly claimTx: (now: number, limit: number, leaseMs: number, exclude: readonly string[]) => Delivery[];
  private readonly due: Database.Statement;
  private readonly lease: Database.Statement;
  // Prepared once: preparing per call showed up at 5% of CPU when every signal opened an incident.
  private readonly markDelivered: Database.Statement;
  private readonly upsertTicket: Database.Statement;
  private readonly markRetry: Database.Statement;
  private readonly markDead: Database.Statement;
  private readonly markRevived: Database.Statement;
  private readonly markReleased: Database.Statement;
  // The three per-delivery reads and writes of every attempt (src/delivery/outbox-worker.ts), prepared once:
  // through Kysely each was built, compiled and looked up anew, about a third of a delivery's CPU.
  private readonly freezeRequest: Database.Statement;
  private readonly ticketOf: Database.Statement;
  private readonly deliveredTx: (id: string, now: number, ticket: Omit<Ticket, "createdAt" | "updatedAt"> | null) => void;
  private readonly freezeAllTx: (requests: readonly { id: string; request: string }[]) => string[];
  private readonly deliveredAllTx: (records: readonly DeliveredRecord[]) => void;

  constructor(raw: Database.Database, db: Kysely<Tables>) {
    super(db);
    // A row is due when its time has come, nobody holds its lease, and no earlier row of the same
    // incident and platform is still pending: changes reach a platform in the order they happened.
    // Only the id and platform go through the sort: with `d.*` every due row's detail (a report comment is
    // kilobytes) and frozen request were carried into it, so a claim cost grew with the outbox backlog.
    // The LIMIT is cast so SQLite does not re-prepare the statement on every claim (src/store/sqlite/bound-limit.ts).
    this.due = raw.prepare(
      `SELECT d.id, d.platform FROM deliveries d
       WHERE d.status = 'pending' AND d.next_attempt_at <= @now AND d.lease_until <= @now
         AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.incident_id = d.incident_id AND e.platform = d.platform
                         AND e.status = 'pending' AND e.id < d.id)
       ORDER BY d.next_attempt_at, d.id LIMIT CAST(@scan AS INTEGER)`,
    );
    // Leased and read back in one statement: a read and then an update cost two per claimed row.
    this.lease = raw.prepare("UPDATE deliveries SET lease_until = ?, attempts = attempts + 1 WHERE id = ? RETURNING *");
    this.markDelivered = raw.prepare(
      "UPDATE deliveries SET status = 'delivered', last_error = NULL, updated_at = ?, lease_until = 0 WHERE id = ?",
    );
    this.upsertTicket = raw.prepare(
      `INSERT INTO tickets (incident_id, platform, external_id, url, synced_state, meta, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (incident_id, platform) DO UPDATE SET external_id = excluded.external_id,
         url = COALESCE(excluded.url, tickets.url), synced_state = excluded.synced_state,
         meta = excluded.meta, updated_at = excluded.updated_at`,
    );
    this.markRetry = raw.prepare(
      "UPDATE deliveries SET next_attempt_at = ?, last_error = ?, updated_at = ?, lease_until = 0 WHERE id = ?",
    );
    this.markDead = raw.prepare(
      "UPDATE deliveries SET status = 'dead', last_error = ?, updated_at = ?, lease_until = 0 WHERE id = ?",
    );
    this.markRevived = raw.prepare(
      "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = 0, updated_at = ?, lease_until = 0, request = NULL WHERE id = ? AND status = 'dead'",
    );
    this.markReleased = raw.prepare(
      "UPDATE deliveries SET lease_until = 0, attempts = attempts - 1 WHERE id = ? AND status = 'pending'",
    );
    this.freezeRequest = raw
      .prepare("UPDATE deliveries SET request = COALESCE(request, ?) WHERE id = ? RETURNING request")
      .pluck();
    this.ticketOf = raw.prepare("SELECT * FROM tickets WHERE incident_id = ? AND platform = ?");
    const record = (id: string, now: number, ticket: Omit<Ticket, "createdAt" | "updatedAt"> | null) => {
      this.markDelivered.run(now, id);
      if (ticket) {
        this.upsertTicket.run(
          ticket.incidentId,
          ticket.platform,
          ticket.externalId,
          ticket.url,
          ticket.syncedState,
          JSON.stringify(ticket.meta),
          now,
          now,
        );
      }
    };
    this.deliveredTx = raw.transaction(record);
    this.deliveredAllTx = raw.transaction((records: readonly DeliveredRecord[]) => {
      for (const { delivery, now, ticket } of records) record(delivery.id, now, ticket);
    });
    // A round's requests kept in one transaction: a write transaction per delivery (each appending its
    // pages to the WAL) cost more than rendering the request.
    this.freezeAllTx = raw.transaction((requests: readonly { id: string; request: string }[]) =>
      requests.map(({ id, request }) => (this.freezeRequest.get(request, id) as string | null | undefined) ?? request),
    );
    this.claimTx = raw.transaction((now: number, limit: number, leaseMs: number, exclude: readonly string[]) => {
      const due = this.due.all({ now, scan: limit * 4 }) as Pick<DeliveryRow, "id" | "platform">[];
      const claimed: Delivery[] = [];
      for (const { id, platform } of due) {
        if (claimed.length >= limit) break;
        if (exclude.includes(platform)) continue;
        // RETURNING gives the row as updated, so `attempts` already counts this attempt.
        claimed.push(deliveryFromRow(this.lease.get(now + leaseMs, id) as DeliveryRow));
      }
      return claimed;
    });
  }

  async claim(now: number, limit: number, leaseMs: number, excludePlatforms: readonly string[]): Promise<Delivery[]> {
    return this.claimTx(now, limit, leaseMs, excludePlatforms);
  }

  override async freeze(id: string, request: string): Promise<string> {
    // One statement: the first request wins, and whoever comes later (a retry, another replica) reads it back.
    const kept = this.freezeRequest.get(request, id) as string | null | undefined;
    return kept ?? request;
  }

  override async freezeAll(requests: readonly { id: string; request: string }[]): Promise<string[]> {
    return requests.length === 0 ? [] : this.freezeAllTx(requests);
  }

  override async ticket(incidentId: string, platform: string): Promise<Ticket | null> {
    const row = this.ticketOf.get(incidentId, platform) as TicketRow | undefined;
    return row ? ticketFromRow(row) : null;
  }

  async delivered(delivery: Delivery, now: number, ticket: Omit<Ticket, "createdAt" | "updatedAt"> | null): Promise<void> {
    this.deliveredTx(delivery.id, now, ticket);
  }

  async deliveredAll(records: readonly DeliveredRecord[]): Promise<void> {
    if (records.length > 0) this.deliveredAllTx(records);
  }

  async retryLater(id: string, nextAttemptAt: number, error: string, now: number): Promise<void> {
    this.markRetry.run(nextAttemptAt, error, now, id);
  }

  async dead(id: string, error: string, now: number): Promise<void> {
    this.markDead.run(error, now, id);
  }

  async release(id: string): Promise<void> {
    this.markReleased.run(id);
  }

  async revive(id: string, now: number): Promise<boolean> {
    return this.markRevived.run(now, id).changes === 1;
  }
}

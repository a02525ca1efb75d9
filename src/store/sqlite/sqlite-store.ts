import type Database from "better-sqlite3";
import type { Kysely } from "kysely";
import type { Tables } from "../rows.ts";
import type { ChangeSet, DeliveryRepository, IncidentRepository, SignalRepository, Store, TimerRepository } from "../store.ts";
import { signalKey } from "../store.ts";
import { openSqlite, type SqliteOptions } from "./open-database.ts";
import { SqliteChangeWriter } from "./sqlite-changes.ts";
import { SqliteDeliveries } from "./sqlite-deliveries.ts";
import { SqliteIncidents } from "./sqlite-incidents.ts";
import { SqliteTimers } from "./sqlite-timers.ts";

/** The embedded store: one SQLite file in WAL mode, for a single Sluice process. */
export class SqliteStore implements Store {
  readonly incidents: IncidentRepository;
  readonly signals: SignalRepository;
  readonly deliveries: DeliveryRepository;
  readonly timers: TimerRepository;
  private readonly writer: SqliteChangeWriter;

  private constructor(
    private readonly raw: Database.Database,
    private readonly db: Kysely<Tables>,
  ) {
    this.incidents = new SqliteIncidents(raw, db);
    this.deliveries = new SqliteDeliveries(raw, db);
    this.timers = new SqliteTimers(raw);
    const exists = raw.prepare("SELECT 1 FROM signals WHERE source = ? AND source_id = ?").pluck();
    // One read transaction for the whole batch: without it every lookup takes and drops the file locks.
    const existing = raw.transaction((keys: readonly { source: string; sourceId: string }[]) => {
      const found = new Set<string>();
      for (const { source, sourceId } of keys) {
        if (exists.get(source, sourceId) !== undefined) found.add(signalKey(source, sourceId));
      }
      return found;
    });
    this.signals = { existing: async (keys) => existing(keys) };
    this.writer = new SqliteChangeWriter(raw);
  }

  static async open(options: SqliteOptions): Promise<SqliteStore> {
    const { raw, db } = await openSqlite(options);
    // One process owns an SQLite file, so leases left by a previous (crashed) run belong to nobody:
    // release them, or those deliveries would wait out the lease after a restart.
    raw.prepare("UPDATE deliveries SET lease_until = 0 WHERE status = 'pending' AND lease_until > 0").run();
    raw.prepare("UPDATE timers SET lease_until = 0 WHERE status = 'pending' AND lease_until > 0").run();
    return new SqliteStore(raw, db);
  }

  async apply(changes: ChangeSet): Promise<Map<string, number>> {
    return this.writer.apply(changes);
  }

  async ping(): Promise<boolean> {
    return this.raw.prepare("SELECT 1").pluck().get() === 1;
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

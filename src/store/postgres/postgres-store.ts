import { type Kysely, sql } from "kysely";
import type pg from "pg";
import { type ChangeRepository, KyselyChangeRepository } from "../changes-repository.ts";
import { type InstanceKeys, KyselyInstanceKeys } from "../instance-keys.ts";
import { type PatternRepository, PostgresPatterns, showPatternTemplates, writePatternTemplates } from "../patterns-repository.ts";
import { KyselyRetention, type Retention } from "../retention.ts";
import type { Tables } from "../rows.ts";
import { KyselySimilarReads, type SimilarReads } from "../similar-reads.ts";
import type { ChangeSet, DeliveryRepository, IncidentRepository, SignalRepository, Store, TimerRepository } from "../store.ts";
import { signalKey } from "../store.ts";
import { KyselyTraceRepository, type TraceRepository } from "../traces-repository.ts";
import { openPostgres, type PostgresOptions } from "./open-postgres.ts";
import { writeChanges } from "./postgres-changes.ts";
import { PostgresDeliveries } from "./postgres-deliveries.ts";
import { PostgresIncidents } from "./postgres-incidents.ts";
import { PostgresTimers } from "./postgres-timers.ts";

/** The shared store: one PostgreSQL database for any number of Sluice replicas. */
export class PostgresStore implements Store {
  readonly incidents: IncidentRepository;
  readonly signals: SignalRepository;
  readonly deliveries: DeliveryRepository;
  readonly timers: TimerRepository;
  readonly changes: ChangeRepository;
  readonly patterns: PatternRepository;
  readonly traces: TraceRepository;
  readonly similar: SimilarReads;
  readonly retention: Retention;
  readonly keys: InstanceKeys;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly db: Kysely<Tables>,
  ) {
    this.incidents = new PostgresIncidents(db);
    this.deliveries = new PostgresDeliveries(db);
    this.timers = new PostgresTimers(db);
    this.similar = new KyselySimilarReads(db);
    this.retention = new KyselyRetention(db);
    this.keys = new KyselyInstanceKeys(db);
    this.changes = new KyselyChangeRepository(db);
    this.patterns = new PostgresPatterns(db);
    this.traces = new KyselyTraceRepository(db, {
      postgres: true,
      atomically: (queries) =>
        db.transaction().execute(async (trx) => {
          for (const query of queries) await trx.executeQuery(query);
        }),
    });
    this.signals = { existing: (keys) => this.existing(keys) };
  }

  /**
   * Connects and migrates. Unlike the SQLite store it leaves existing leases (deliveries, timers) alone:
   * they may belong to replicas that are running, and an abandoned one simply expires.
   */
  static async open(options: PostgresOptions): Promise<PostgresStore> {
    const { pool, db } = await openPostgres(options);
    return new PostgresStore(pool, db);
  }

  private async existing(keys: readonly { source: string; sourceId: string }[]): Promise<Set<string>> {
    const found = new Set<string>();
    if (keys.length === 0) return found;
    const { rows } = await sql<{ source: string; source_id: string }>`
      SELECT s.source, s.source_id FROM signals s
      JOIN unnest(${keys.map((k) => k.source)}::text[], ${keys.map((k) => k.sourceId)}::text[]) AS k(source, source_id)
        ON s.source = k.source AND s.source_id = k.source_id`.execute(this.db);
    for (const row of rows) found.add(signalKey(row.source, row.source_id));
    return found;
  }

  async apply(changes: ChangeSet): Promise<Map<string, number>> {
    return this.db.transaction().execute(async (trx) => {
      // Pattern rows first, in id order, in every replica: a fixed lock order.
      if (!changes.patterns?.length) return writeChanges(trx, changes);
      await writePatternTemplates(trx, changes.patterns);
      const numbers = await writeChanges(trx, changes);
      await showPatternTemplates(trx, changes.patterns);
      return numbers;
    });
  }

  async ping(): Promise<boolean> {
    try {
      const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(this.db);
      return rows[0]?.one === 1;
    } catch {
      return false;
    }
  }

  /** Open and idle connections, for metrics. */
  poolStats(): { total: number; idle: number; waiting: number } {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async close(): Promise<void> {
    // Ends the pool too (Kysely's PostgreSQL driver owns it).
    await this.db.destroy();
  }
}

import type Database from "better-sqlite3";
import type { CompiledQuery, Kysely } from "kysely";
import { type ChangeRepository, KyselyChangeRepository } from "../changes-repository.ts";
import { type InstanceKeys, KyselyInstanceKeys } from "../instance-keys.ts";
import { type PatternRepository, SqlitePatterns } from "../patterns-repository.ts";
import { KyselyRetention, type Retention } from "../retention.ts";
import type { Tables } from "../rows.ts";
import { KyselySimilarReads, type SimilarReads } from "../similar-reads.ts";
import type { ChangeSet, DeliveryRepository, IncidentRepository, SignalRepository, Store, TimerRepository } from "../store.ts";
import { signalKey } from "../store.ts";
import { KyselyTraceRepository, type TraceRepository } from "../traces-repository.ts";
import { type OpenedDatabase, openSqlite, type SqliteOptions } from "./open-database.ts";
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
  readonly changes: ChangeRepository;
  readonly patterns: PatternRepository;
  readonly traces: TraceRepository;
  readonly similar: SimilarReads;
  readonly retention: Retention;
  readonly keys: InstanceKeys;
  private readonly sqlitePatterns: SqlitePatterns;
  private readonly applyWithPatterns: (changes: ChangeSet) => Map<string, number>;
  private readonly writer: SqliteChangeWriter;

  private constructor(
    private readonly raw: Database.Database,
    private readonly db: Kysely<Tables>,
    private readonly durability: Pick<OpenedDatabase, "walSync" | "checkpointer">,
  ) {
    this.incidents = new SqliteIncidents(raw, db);
    this.deliveries = new SqliteDeliveries(raw, db);
    this.timers = new SqliteTimers(raw);
    this.similar = new KyselySimilarReads(db);
    this.retention = new KyselyRetention(db);
    this.keys = new KyselyInstanceKeys(db);
    this.changes = new KyselyChangeRepository(db);
    // Synchronous, so no other write on this one connection can slip into the transaction.
    const atomically = raw.transaction((queries: readonly CompiledQuery[]) => {
      for (const query of queries) raw.prepare(query.sql).run(...(query.parameters as unknown[]));
    });
    this.traces = new KyselyTraceRepository(db, { postgres: false, atomically: async (queries) => atomically(queries) });
    this.sqlitePatterns = new SqlitePatterns(raw, db);
    this.patterns = this.sqlitePatterns;
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
    // Generalised pattern templates commit with the signals that generalised them (the writer nests as a savepoint).
    this.applyWithPatterns = raw.transaction((changes: ChangeSet) => {
      const patterns = changes.patterns ?? [];
      this.sqlitePatterns.writeTemplates(patterns);
      const numbers = this.writer.apply(changes);
      this.sqlitePatterns.showTemplates(patterns);
      return numbers;
    });
  }

  static async open(options: SqliteOptions): Promise<SqliteStore> {
    const { raw, db, walSync, checkpointer } = await openSqlite(options);
    // One process owns an SQLite file, so leases left by a previous (crashed) run belong to nobody:
    // release them, or those deliveries would wait out the lease after a restart.
    raw.prepare("UPDATE deliveries SET lease_until = 0 WHERE status = 'pending' AND lease_until > 0").run();
    raw.prepare("UPDATE timers SET lease_until = 0 WHERE status = 'pending' AND lease_until > 0").run();
    return new SqliteStore(raw, db, { walSync, checkpointer });
  }

  async apply(changes: ChangeSet): Promise<Map<string, number>> {
    const { numbers, durable } = await this.applyThenSync(changes);
    await durable;
    return numbers;
  }

  /** Commits now; `durable` resolves once the commit is on disk, so the caller can commit the next batch meanwhile. */
  async applyThenSync(changes: ChangeSet): Promise<{ numbers: Map<string, number>; durable: Promise<void> }> {
    const numbers = changes.patterns?.length ? this.applyWithPatterns(changes) : this.writer.apply(changes);
    return { numbers, durable: this.durability.walSync?.durable() ?? Promise.resolve() };
  }

  async ping(): Promise<boolean> {
    return this.raw.prepare("SELECT 1").pluck().get() === 1;
  }

  async close(): Promise<void> {
    await this.durability.checkpointer?.stop();
    await this.durability.walSync?.close();
    await this.db.destroy();
  }
}

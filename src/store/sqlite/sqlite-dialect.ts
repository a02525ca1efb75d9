import type Database from "better-sqlite3";
import type { CompiledQuery, Kysely } from "kysely";
import type { ChangeSet, SignalRepository } from "../../core/ports/store.ts";
import { signalKey } from "../../core/ports/store.ts";
import type { RetryDeadLetters } from "../ingest-dead-letters.ts";
import type { StoreDialect } from "../kysely-store.ts";
import type { Tables } from "../rows.ts";
import type { RunAtomically } from "../traces-repository.ts";
import type { OpenedDatabase } from "./open-database.ts";
import { SqliteChangeWriter } from "./sqlite-changes.ts";
import { sqliteRetryDeadLetters } from "./sqlite-dead-letter-retry.ts";
import { SqliteDeliveries } from "./sqlite-deliveries.ts";
import { SqliteIncidents } from "./sqlite-incidents.ts";
import { SqliteIngestLog } from "./sqlite-ingest-log.ts";
import { SqlitePatterns } from "./sqlite-patterns.ts";
import { SqliteTimers } from "./sqlite-timers.ts";

/** SQLite's side of the store: prepared statements on the one connection, synchronous transactions, WAL durability. */
export class SqliteDialect implements StoreDialect {
  readonly incidents: SqliteIncidents;
  readonly signals: SignalRepository;
  readonly deliveries: SqliteDeliveries;
  readonly timers: SqliteTimers;
  readonly patterns: SqlitePatterns;
  readonly ingestLog: SqliteIngestLog;
  readonly retryDeadLetters: RetryDeadLetters;
  readonly atomically: RunAtomically;
  // SQLite has one writer, so the claim statement alone is the claim.
  readonly lockClaimedRows = false;
  readonly durableLater = true;
  private readonly applyWithPatterns: (changes: ChangeSet) => Map<string, number>;
  private readonly writer: SqliteChangeWriter;
  /** Applies a change set and deletes the ingest-log entries it applies, in one transaction (issue 18). */
  private readonly applyConsuming: (changes: ChangeSet) => Map<string, number>;

  constructor(
    private readonly raw: Database.Database,
    private readonly db: Kysely<Tables>,
    private readonly durability: Pick<OpenedDatabase, "walSync" | "checkpointer">,
  ) {
    this.incidents = new SqliteIncidents(raw, db);
    this.deliveries = new SqliteDeliveries(raw, db);
    this.timers = new SqliteTimers(raw);
    // Synchronous, so no other write on this one connection can slip into the transaction.
    const atomically = raw.transaction((queries: readonly CompiledQuery[]) => {
      for (const query of queries) raw.prepare(query.sql).run(...(query.parameters as unknown[]));
    });
    this.atomically = async (queries) => atomically(queries);
    this.patterns = new SqlitePatterns(raw, db);
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
      this.patterns.writeTemplates(patterns);
      const numbers = this.writer.apply(changes);
      this.patterns.showTemplates(patterns);
      return numbers;
    });
    this.ingestLog = new SqliteIngestLog(raw, () => this.durability.walSync?.durable() ?? Promise.resolve());
    this.retryDeadLetters = sqliteRetryDeadLetters(raw, () => this.durability.walSync?.durable() ?? Promise.resolve());
    this.applyConsuming = raw.transaction((changes: ChangeSet) => {
      this.ingestLog.consume(changes.consumeLog ?? []);
      return changes.patterns?.length ? this.applyWithPatterns(changes) : this.writer.apply(changes);
    });
  }

  /** Commits now; `durable` resolves once the commit is on disk, so the caller can commit the next batch meanwhile. */
  async commit(changes: ChangeSet): Promise<{ numbers: Map<string, number>; durable: Promise<void> }> {
    const numbers = changes.consumeLog?.length
      ? this.applyConsuming(changes)
      : changes.patterns?.length
        ? this.applyWithPatterns(changes)
        : this.writer.apply(changes);
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

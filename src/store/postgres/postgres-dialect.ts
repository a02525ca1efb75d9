import { type Kysely, sql } from "kysely";
import type { ChangeSet, SignalRepository } from "../../core/ports/store.ts";
import { signalKey } from "../../core/ports/store.ts";
import type { RetryDeadLetters } from "../ingest-dead-letters.ts";
import type { StoreDialect } from "../kysely-store.ts";
import type { Tables } from "../rows.ts";
import type { RunAtomically } from "../traces-repository.ts";
import { writeChanges } from "./postgres-changes.ts";
import { postgresRetryDeadLetters } from "./postgres-dead-letter-retry.ts";
import { PostgresDeliveries } from "./postgres-deliveries.ts";
import { PostgresIncidents } from "./postgres-incidents.ts";
import { consumeLogEntries, PostgresIngestLog } from "./postgres-ingest-log.ts";
import { PostgresPatterns, showPatternTemplates, writePatternTemplates } from "./postgres-patterns.ts";
import { PostgresTimers } from "./postgres-timers.ts";

/** PostgreSQL's side of the store: set-based statements, row locks and advisory locks for concurrent replicas. */
export class PostgresDialect implements StoreDialect {
  readonly incidents: PostgresIncidents;
  readonly signals: SignalRepository;
  readonly deliveries: PostgresDeliveries;
  readonly timers: PostgresTimers;
  readonly patterns: PostgresPatterns;
  readonly ingestLog: PostgresIngestLog;
  readonly retryDeadLetters: RetryDeadLetters;
  readonly atomically: RunAtomically;
  // SKIP LOCKED: a row another replica is claiming right now is passed over; once it commits, its lease keeps it out.
  readonly lockClaimedRows = true;
  // A commit is durable when it returns.
  readonly durableLater = false;

  constructor(private readonly db: Kysely<Tables>) {
    this.incidents = new PostgresIncidents(db);
    this.deliveries = new PostgresDeliveries(db);
    this.timers = new PostgresTimers(db);
    this.patterns = new PostgresPatterns(db);
    this.ingestLog = new PostgresIngestLog(db);
    this.retryDeadLetters = postgresRetryDeadLetters(db);
    this.atomically = (queries) =>
      db.transaction().execute(async (trx) => {
        for (const query of queries) await trx.executeQuery(query);
      });
    this.signals = { existing: (keys) => this.existing(keys) };
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

  async commit(changes: ChangeSet): Promise<{ numbers: Map<string, number>; durable: Promise<void> }> {
    const numbers = await this.db.transaction().execute(async (trx) => {
      // The ingest-log entries first (issue 18): a consumer racing for them waits here, not on incident rows.
      await consumeLogEntries(trx, changes.consumeLog ?? []);
      // Pattern rows first, in id order, in every replica: a fixed lock order.
      if (!changes.patterns?.length) return writeChanges(trx, changes);
      await writePatternTemplates(trx, changes.patterns);
      const written = await writeChanges(trx, changes);
      await showPatternTemplates(trx, changes.patterns);
      return written;
    });
    return { numbers, durable: Promise.resolve() };
  }

  async ping(): Promise<boolean> {
    try {
      const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(this.db);
      return rows[0]?.one === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    // Ends the pool too (Kysely's PostgreSQL driver owns it).
    await this.db.destroy();
  }
}

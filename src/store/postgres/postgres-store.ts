import type { Kysely } from "kysely";
import type pg from "pg";
import { KyselyStore } from "../kysely-store.ts";
import type { Tables } from "../rows.ts";
import { openPostgres, type PostgresOptions } from "./open-postgres.ts";
import { PostgresDialect } from "./postgres-dialect.ts";

/** The shared store: one PostgreSQL database for any number of Sluice replicas. */
export class PostgresStore extends KyselyStore {
  private constructor(
    private readonly pool: pg.Pool,
    db: Kysely<Tables>,
  ) {
    super(db, new PostgresDialect(db));
  }

  /**
   * Connects and migrates. Unlike the SQLite store it leaves existing leases (deliveries, timers) alone:
   * they may belong to replicas that are running, and an abandoned one simply expires.
   */
  static async open(options: PostgresOptions): Promise<PostgresStore> {
    const { pool, db } = await openPostgres(options);
    return new PostgresStore(pool, db);
  }

  /** Open and idle connections, for metrics. */
  poolStats(): { total: number; idle: number; waiting: number } {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }
}

import { Kysely, Migrator, PostgresDialect } from "kysely";
import pg from "pg";
import { migrationProvider } from "../migrations/index.ts";
import type { Tables } from "../rows.ts";

export interface PostgresOptions {
  /** postgres://user:password@host:port/database (the `DATABASE_URL`). */
  url: string;
  /** Most connections this process opens (default 10); every replica has its own pool. */
  poolSize?: number;
  /** Schema to keep the tables in, created if missing; default: the connection's search_path (public). */
  schema?: string;
  /** Errors of idle connections (the server went away); without a listener they would crash the process. */
  onPoolError?: (error: Error) => void;
}

export interface OpenedPostgres {
  pool: pg.Pool;
  db: Kysely<Tables>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Connects a pool and brings the schema up to date (Kysely's migrator locks, so replicas may start together). */
export async function openPostgres(options: PostgresOptions): Promise<OpenedPostgres> {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(options.schema)}`);
  }
  // Timestamps are epoch ms in bigint columns and counts are bigint: pg hands int8 back as a string
  // (it may exceed 2^53), but every int8 Sluice stores is far below that, and the row mappers want numbers.
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    types,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  pool.on("error", options.onPoolError ?? (() => {}));
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  try {
    if (options.schema) await createSchema(db, options.schema);
    const migrator = new Migrator({
      db,
      provider: migrationProvider,
      ...(options.schema ? { migrationTableSchema: options.schema } : {}),
    });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { pool, db };
}

async function createSchema(db: Kysely<Tables>, schema: string): Promise<void> {
  try {
    await db.schema.createSchema(schema).ifNotExists().execute();
  } catch (error) {
    // Replicas starting together race on IF NOT EXISTS (the catalog's unique index answers 23505): the schema is there.
    if ((error as { code?: string }).code !== "23505") throw error;
  }
}

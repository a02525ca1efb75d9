import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Kysely, Migrator, type SqliteDatabase, SqliteDialect } from "kysely";
import type { Logger } from "pino";
import { migrationProvider } from "../migrations/index.ts";
import type { Tables } from "../rows.ts";
import { castBoundLimits } from "./bound-limit.ts";
import { Checkpointer } from "./checkpointer.ts";
import { WalSync } from "./wal-sync.ts";

export interface SqliteOptions {
  /** Directory of the database file; ":memory:" for a throwaway database. */
  dataDir: string;
  synchronous: "full" | "normal";
  logger?: Logger;
}

export interface OpenedDatabase {
  raw: Database.Database;
  db: Kysely<Tables>;
  /** Fsyncs the WAL off the event loop (`synchronous: full` on a file); null when commits need no fsync. */
  walSync: WalSync | null;
  /** Checkpoints the WAL off the event loop (file databases only). */
  checkpointer: Checkpointer | null;
}

/** Opens (creating if needed) the embedded database in WAL mode and brings its schema up to date. */
export async function openSqlite(options: SqliteOptions): Promise<OpenedDatabase> {
  let file = ":memory:";
  if (options.dataDir !== ":memory:") {
    mkdirSync(options.dataDir, { recursive: true });
    file = join(options.dataDir, "sluice.db");
  }
  const raw = new Database(file);
  raw.pragma("journal_mode = WAL");
  // COMMIT only appends to the WAL; durability for `full` comes from WalSync, off the event loop.
  raw.pragma("synchronous = NORMAL");
  raw.pragma("busy_timeout = 5000");
  // 8 MB of page cache: the hot pages (open incidents, index tails) fit, and memory stays flat as history grows.
  raw.pragma("cache_size = -8000");
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) });
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
  if (file === ":memory:") return { raw, db, walSync: null, checkpointer: null };
  raw.pragma("wal_autocheckpoint = 0");
  const checkpointer = new Checkpointer(file, () => raw.pragma("wal_autocheckpoint = 1000"), options.logger);
  const walSync = options.synchronous === "full" ? new WalSync(`${file}-wal`) : null;
  return { raw, db, walSync, checkpointer };
}

/** Distinct query shapes Kysely sends are few (parameters are placeholders); the bound guards against churn. */
const MAX_CACHED_STATEMENTS = 500;

/**
 * The connection as Kysely sees it, reusing prepared statements: Kysely's SQLite driver prepares the
 * SQL of every query it runs, which cost more than running it (about 50 µs of a 70 µs enrichment read).
 * Kysely runs one query at a time per connection, so a cached statement is never busy when reused.
 * Its bound LIMITs and OFFSETs are cast (`castBoundLimits`), or SQLite would re-prepare the statement
 * on every call anyway.
 */
function withStatementCache(raw: Database.Database): SqliteDatabase {
  const statements = new Map<string, Database.Statement>();
  return {
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= MAX_CACHED_STATEMENTS) statements.clear();
        statement = raw.prepare(castBoundLimits(sql));
        statements.set(sql, statement);
      }
      return statement;
    },
    close: () => raw.close(),
  };
}

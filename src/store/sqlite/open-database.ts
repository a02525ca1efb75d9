import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import { migrationProvider } from "../migrations/index.ts";
import type { Tables } from "../rows.ts";

export interface SqliteOptions {
  /** Directory of the database file; ":memory:" for a throwaway database. */
  dataDir: string;
  synchronous: "full" | "normal";
}

export interface OpenedDatabase {
  raw: Database.Database;
  db: Kysely<Tables>;
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
  raw.pragma(`synchronous = ${options.synchronous.toUpperCase()}`);
  raw.pragma("busy_timeout = 5000");
  // 8 MB of page cache: the hot pages (open incidents, index tails) fit, and memory stays flat as history grows.
  raw.pragma("cache_size = -8000");
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: raw }) });
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
  return { raw, db };
}

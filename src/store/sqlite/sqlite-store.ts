import { KyselyStore } from "../kysely-store.ts";
import { openSqlite, type SqliteOptions } from "./open-database.ts";
import { SqliteDialect } from "./sqlite-dialect.ts";
import { UNLEASED } from "./sqlite-ingest-log.ts";

/** The embedded store: one SQLite file in WAL mode, for a single Sluice process. */
export class SqliteStore extends KyselyStore {
  static async open(options: SqliteOptions): Promise<SqliteStore> {
    const { raw, db, walSync, checkpointer } = await openSqlite(options);
    // One process owns an SQLite file, so leases left by a previous (crashed) run belong to nobody:
    // release them, or those deliveries would wait out the lease after a restart.
    raw.prepare("UPDATE deliveries SET lease_until = 0 WHERE status = 'pending' AND lease_until > 0").run();
    raw.prepare("UPDATE timers SET lease_until = 0 WHERE status = 'pending' AND lease_until > 0").run();
    // An investigation that was running when the process died is taken up again at once.
    raw.prepare("UPDATE investigation_jobs SET lease_until = 0 WHERE status = 'running'").run();
    raw.prepare("UPDATE detect_leases SET expires_at = 0 WHERE expires_at > 0").run();
    // Remediation steps are taken up at once; a run left executing is then escalated, never run again.
    raw.prepare("UPDATE remediation_runs SET lease_until = 0 WHERE lease_until > 0").run();
    // Ingest-log entries claimed by the crashed run are applied again at once (issue 18).
    raw.prepare(`UPDATE ingest_log SET lease_until = ${UNLEASED} WHERE lease_until > ${UNLEASED}`).run();
    return new SqliteStore(db, new SqliteDialect(raw, db, { walSync, checkpointer }));
  }
}

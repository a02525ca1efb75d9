// Per-statement SQLite timing for the in-process benches (SQL_PROFILE=1): better-sqlite3 runs each statement
// synchronously, so timing the call times the statement exactly.
import Database from "better-sqlite3";

export interface SqlProfile {
  /** Time and calls per statement text, while `on`. */
  readonly times: Map<string, { ms: number; calls: number }>;
  /** Where statements containing `stacksOf` were run from, and how often (an async caller may be missing). */
  readonly stacks: Map<string, number>;
  on: boolean;
}

/** Wraps every prepared statement's run methods once per process; counts only while `profile.on`. */
export function profileSql(stacksOf?: string): SqlProfile {
  const profile: SqlProfile = { times: new Map(), stacks: new Map(), on: false };
  const proto = (Database.prototype as unknown as { prepare(sql: string): unknown }).prepare;
  const statement = Object.getPrototypeOf(proto.call(new Database(":memory:"), "SELECT 1")) as Record<string, unknown>;
  for (const method of ["all", "get", "run", "iterate"]) {
    const original = statement[method] as (...args: unknown[]) => unknown;
    statement[method] = function (this: { source: string }, ...args: unknown[]) {
      if (!profile.on) return original.apply(this, args);
      const start = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        const entry = profile.times.get(this.source) ?? { ms: 0, calls: 0 };
        entry.ms += performance.now() - start;
        entry.calls += 1;
        profile.times.set(this.source, entry);
        if (stacksOf && this.source.includes(stacksOf)) {
          const where = (new Error().stack ?? "").split("\n").slice(3, 9).join(" | ");
          profile.stacks.set(where, (profile.stacks.get(where) ?? 0) + 1);
        }
      }
    };
  }
  return profile;
}

/** Prints the statements that took the most time, slowest first: time, calls, the SQL on one line. */
export function printSqlTimes(times: ReadonlyMap<string, { ms: number; calls: number }>, rows = 40): void {
  for (const [sql, { ms, calls }] of [...times].sort((a, b) => b[1].ms - a[1].ms).slice(0, rows))
    console.log(`${ms.toFixed(0).padStart(7)} ms ${String(calls).padStart(7)}× ${sql.replace(/\s+/g, " ").slice(0, 160)}`);
}

/**
 * The SQL with every LIMIT or OFFSET placeholder wrapped in `CAST(? AS INTEGER)`. better-sqlite3 is built
 * with SQLITE_ENABLE_STAT4, and SQLite then re-prepares a statement each time a bare `LIMIT ?` is bound
 * to a new value (the value may change the plan), so every call of a cached statement paid for a fresh
 * compile: 10–30 µs where the query itself takes 2–3 µs (the similar-incident and changes reads made for
 * every enriched incident, the outbox's due rows). Behind a CAST the planner no longer reads the value,
 * and the statement runs as prepared. An integer (every caller binds one; the API validates its page
 * sizes first) gives the same rows; a fraction or a non-numeric string, which the bare placeholder refused
 * with "datatype mismatch", would be truncated instead.
 */
export function castBoundLimits(sql: string): string {
  return sql.replace(BOUND_LIMIT, (_match, keyword: string, placeholder: string) => `${keyword} CAST(${placeholder} AS INTEGER)`);
}

// A LIMIT or OFFSET keyword followed by a positional (`?`) or named (`@name`, `:name`, `$name`) placeholder.
const BOUND_LIMIT = /\b(limit|offset)\s+(\?\d*|[@:$][A-Za-z_][A-Za-z0-9_]*)/gi;

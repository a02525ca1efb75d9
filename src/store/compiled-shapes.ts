import type { Compilable, CompiledQuery, Kysely } from "kysely";

/** Calls of a shape whose parameters are still checked against a fresh compile (see `run`). */
const CHECKED_CALLS = 8;

/** More shapes than any caller makes means a key carries a value: start over rather than grow. */
const MAX_SHAPES = 200;

/**
 * Runs Kysely queries compiled once per shape. Kysely builds a query as a tree of frozen nodes and
 * compiles it with a visitor on every call: for the small indexed reads made for every new incident
 * and every investigation (similar incidents, changes, signals, the service graph), building and
 * compiling cost about as much CPU as running the query. A shape is everything but the parameters:
 * the caller names it with a key (the query's name plus whatever changes its SQL, such as the length
 * of an IN list) and lists the parameters in the order the compiled SQL takes them. The first calls
 * of each shape compile anyway and compare, so a key or parameter list that does not match the
 * builder fails loudly in the first tests rather than binding a value to the wrong placeholder.
 */
export class CompiledShapes {
  private readonly shapes = new Map<string, { query: CompiledQuery; calls: number }>();

  async rows<R>(
    db: Pick<Kysely<never>, "executeQuery">,
    key: string,
    parameters: readonly unknown[],
    build: () => Compilable<R>,
  ): Promise<R[]> {
    let shape = this.shapes.get(key);
    if (!shape || shape.calls < CHECKED_CALLS) {
      const compiled = build().compile();
      if (!sameParameters(compiled.parameters, parameters)) {
        throw new Error(`query shape "${key}": its parameters do not match the compiled query's (a bug in the store)`);
      }
      if (shape && shape.query.sql !== compiled.sql) {
        throw new Error(`query shape "${key}" compiled to different SQL: its key misses what changes it (a bug in the store)`);
      }
      if (!shape) {
        if (this.shapes.size >= MAX_SHAPES) this.shapes.clear();
        shape = { query: compiled, calls: 0 };
        this.shapes.set(key, shape);
      }
      shape.calls += 1;
      return (await db.executeQuery(compiled)).rows as R[];
    }
    const query: CompiledQuery = { ...shape.query, parameters };
    return (await db.executeQuery(query)).rows as R[];
  }
}

function sameParameters(compiled: readonly unknown[], given: readonly unknown[]): boolean {
  return compiled.length === given.length && compiled.every((value, i) => Object.is(value, given[i]));
}

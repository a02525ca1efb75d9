import type { Kysely } from "kysely";
import type { Change, ChangeKind } from "../core/change.ts";
import type { ChangeQuery, ChangeRepository } from "../core/ports/change-repository.ts";
import { CompiledShapes } from "./compiled-shapes.ts";
import type { ChangeRow, Tables } from "./rows.ts";

// 14 columns a row: 500 rows stay far below SQLite's limit on bound variables.
const CHUNK = 500;

/** One Kysely implementation for SQLite and PostgreSQL: changes are low-volume, so no hot-path statements. */
export class KyselyChangeRepository implements ChangeRepository {
  /** `find` runs for every new incident (enrichment) and investigation: each shape compiled once. */
  private readonly shapes = new CompiledShapes();

  constructor(private readonly db: Kysely<Tables>) {}

  async insert(changes: readonly Change[]): Promise<Set<string>> {
    const stored = new Set<string>();
    for (let start = 0; start < changes.length; start += CHUNK) {
      const rows = changes.slice(start, start + CHUNK).map(toRow);
      const inserted = await this.db
        .insertInto("changes")
        .values(rows)
        .onConflict((conflict) => conflict.columns(["source", "source_id"]).doNothing())
        .returning("id")
        .execute();
      for (const row of inserted) stored.add(row.id);
    }
    return stored;
  }

  async find(query: ChangeQuery): Promise<Change[]> {
    if (query.services?.length === 0 || query.kinds?.length === 0) return [];
    const build = () => {
      let select = this.db.selectFrom("changes").selectAll().where("at", ">=", query.from).where("at", "<=", query.to);
      if (query.services) select = select.where("service", "in", [...query.services]);
      if (query.kinds) select = select.where("kind", "in", [...query.kinds]);
      if (query.tenant !== undefined) select = select.where("tenant", "=", query.tenant);
      if (query.environment !== undefined) select = select.where("environment", "=", query.environment);
      // id breaks ties: ids are time-ordered ULIDs, so two changes at the same millisecond keep arrival order.
      return select.orderBy("at", "desc").orderBy("id", "desc").limit(query.limit);
    };
    const key = `find:${query.services?.length ?? "-"}:${query.kinds?.length ?? "-"}:${query.tenant !== undefined}:${query.environment !== undefined}`;
    const parameters = [
      query.from,
      query.to,
      ...(query.services ?? []),
      ...(query.kinds ?? []),
      ...(query.tenant !== undefined ? [query.tenant] : []),
      ...(query.environment !== undefined ? [query.environment] : []),
      query.limit,
    ];
    const rows = await this.shapes.rows(this.db, key, parameters, build);
    return rows.map(fromRow);
  }
}

function toRow(change: Change): ChangeRow {
  return {
    id: change.id,
    source: change.source,
    source_id: change.sourceId,
    tenant: change.tenant,
    service: change.service,
    environment: change.environment,
    kind: change.kind,
    summary: change.summary,
    at: change.at,
    version: change.version,
    author: change.author,
    url: change.url,
    labels: JSON.stringify(change.labels),
    received_at: change.receivedAt,
  };
}

function fromRow(row: ChangeRow): Change {
  return {
    id: row.id,
    source: row.source,
    sourceId: row.source_id,
    tenant: row.tenant,
    service: row.service,
    environment: row.environment,
    kind: row.kind as ChangeKind,
    summary: row.summary,
    at: Number(row.at),
    version: row.version,
    author: row.author,
    url: row.url,
    labels: JSON.parse(row.labels) as Record<string, string>,
    receivedAt: Number(row.received_at),
  };
}

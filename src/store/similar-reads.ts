import { type ExpressionBuilder, type Kysely, sql } from "kysely";
import { incidentKey } from "../core/incident.ts";
import type { ResolvedIncident, SimilarCandidateQuery, SimilarReads } from "../core/ports/similar-reads.ts";
import type { TimelineEvent } from "../core/timeline.ts";
import { CompiledShapes } from "./compiled-shapes.ts";
import { type Tables, type TimelineRow, timelineFromRow } from "./rows.ts";

const CANDIDATE_COLUMNS = [
  "id",
  "number",
  "title",
  "service",
  "environment",
  "error_pattern",
  "pattern_id",
  "summary",
  "first_seen_at",
  "resolved_at",
] as const;

/** Ids per query: well inside every engine's bound-parameter limit. */
const ID_CHUNK = 500;

/** The timeline actions that tell how an incident ended. */
const RESOLUTION_ACTIONS = ["note", "resolved"] as const;

/** Both engines answer with these Kysely queries; the `state = 'resolved'` literal lets them use migration 0006's partial indexes. */
export class KyselySimilarReads implements SimilarReads {
  /** `candidates` runs for every new incident (enrichment) and investigation: each shape compiled once. */
  private readonly shapes = new CompiledShapes();

  constructor(private readonly db: Kysely<Tables>) {}

  async candidates(query: SimilarCandidateQuery): Promise<ResolvedIncident[]> {
    if (query.limit <= 0) return [];
    const base = () => {
      let select = this.db
        .selectFrom("incidents")
        .select(CANDIDATE_COLUMNS)
        .where("tenant", "=", query.tenant)
        .where("state", "=", sql.lit("resolved"))
        .where("resolved_at", ">=", query.since);
      if (query.excludeId) select = select.where("id", "<>", query.excludeId);
      return select.orderBy("resolved_at", "desc").orderBy("number", "desc");
    };
    const related = (eb: ExpressionBuilder<Tables, "incidents">) =>
      eb.or([
        eb("service", "=", query.service),
        eb("error_pattern", "=", query.errorPattern),
        ...(query.patternId ? [eb("pattern_id", "=", query.patternId)] : []),
      ]);
    // Parameters in the order the builders bind them: tenant, since, excluded id, then the related
    // test's service, pattern and pattern id, then the limit.
    const shape = `${query.excludeId ? "x" : ""}${query.patternId ? "p" : ""}`;
    const leading = [query.tenant, query.since, ...(query.excludeId ? [query.excludeId] : [])];
    const relatedValues = [query.service, query.errorPattern, ...(query.patternId ? [query.patternId] : [])];
    const first = await this.shapes.rows(this.db, `related:${shape}`, [...leading, ...relatedValues, query.limit], () =>
      base().where(related).limit(query.limit),
    );
    const restLimit = query.limit - first.length;
    const rest =
      restLimit > 0
        ? await this.shapes.rows(this.db, `rest:${shape}`, [...leading, ...relatedValues, restLimit], () =>
            base()
              .where((eb) => eb.not(related(eb)))
              .limit(restLimit),
          )
        : [];
    return [...first, ...rest].map((row) => ({
      id: row.id,
      number: row.number,
      key: incidentKey(row.number),
      title: row.title,
      service: row.service,
      environment: row.environment,
      errorPattern: row.error_pattern,
      patternId: row.pattern_id,
      summary: row.summary,
      firstSeenAt: Number(row.first_seen_at),
      resolvedAt: Number(row.resolved_at),
    }));
  }

  async resolutionEvents(incidentIds: readonly string[], perAction: number, maxDetail: number): Promise<TimelineEvent[]> {
    const ids = [...new Set(incidentIds)];
    const events: TimelineEvent[] = [];
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = ids.slice(i, i + ID_CHUNK);
      const latest = this.db
        .selectFrom("timeline")
        .select(["id", "incident_id", "at", "actor", "action", "rule"])
        // Notes can be long (10,000 characters); only their start is ever shown.
        .select(sql<string>`substr(detail, 1, ${sql.lit(Math.max(1, Math.floor(maxDetail)))})`.as("detail"))
        .select(sql<number>`row_number() over (partition by incident_id, action order by id desc)`.as("recency"))
        .where("incident_id", "in", chunk)
        .where("action", "in", RESOLUTION_ACTIONS)
        .as("latest");
      const rows = await this.db
        .selectFrom(latest)
        .select(["id", "incident_id", "at", "actor", "action", "detail", "rule"])
        .where("recency", "<=", perAction)
        .orderBy("incident_id")
        .orderBy("id")
        .execute();
      for (const row of rows) events.push(timelineFromRow({ ...row, id: Number(row.id) } as TimelineRow));
    }
    return events;
  }
}

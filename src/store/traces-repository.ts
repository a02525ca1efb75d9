import { type CompiledQuery, type Kysely, sql } from "kysely";
import { ownValue, setOwn } from "../core/own.ts";
import type {
  OpenServiceIncident,
  StoredTrace,
  TraceClaim,
  TraceRecord,
  TraceRepository,
} from "../core/ports/trace-repository.ts";
import type { ServiceGraph, SpanKind, SpanRecord } from "../core/trace.ts";
import { CompiledShapes } from "./compiled-shapes.ts";
import type { ServiceEdgeRow, ServiceReachRow, SpanRow, Tables, TraceRow } from "./rows.ts";

/** Runs compiled statements as one transaction: the engines differ in how (see ADR 0005). */
export type RunAtomically = (queries: readonly CompiledQuery[]) => Promise<void>;

// 13 columns a span: 500 rows stay below SQLite's limit of bound variables.
const CHUNK = 500;
const CLAIMABLE = ["pending", "signal"];

/**
 * One Kysely implementation for SQLite and PostgreSQL. Multi-statement writes go through `atomically`
 * (a synchronous better-sqlite3 transaction on SQLite, where an async Kysely transaction could interleave
 * with the signal writer on the one connection; a Kysely transaction on PostgreSQL).
 */
export class KyselyTraceRepository implements TraceRepository {
  private readonly shapes = new CompiledShapes();

  constructor(
    private readonly db: Kysely<Tables>,
    private readonly options: { lockClaimedRows: boolean; atomically: RunAtomically },
  ) {}

  async addSpans(spans: readonly SpanRecord[], receivedAt: number): Promise<void> {
    if (spans.length === 0) return;
    const queries: CompiledQuery[] = [];
    for (let start = 0; start < spans.length; start += CHUNK) {
      const rows: SpanRow[] = spans.slice(start, start + CHUNK).map((span) => ({
        trace_id: span.traceId,
        span_id: span.spanId,
        parent_id: span.parentId,
        service: span.service,
        name: span.name,
        kind: span.kind,
        start_us: span.startUs,
        end_us: span.endUs,
        error: span.error ? 1 : 0,
        error_message: span.errorMessage,
        peer: span.peer,
        user_id: span.userId,
        received_at: receivedAt,
      }));
      queries.push(
        this.db
          .insertInto("spans")
          .values(rows)
          .onConflict((conflict) => conflict.columns(["trace_id", "span_id"]).doNothing())
          .compile(),
      );
    }
    const traces = new Map<string, TraceRow>();
    for (const span of spans) {
      const row = traces.get(span.traceId);
      if (row) {
        row.span_count++;
        if (span.error) row.error = 1;
        continue;
      }
      traces.set(span.traceId, {
        trace_id: span.traceId,
        tenant: span.tenant,
        environment: span.environment,
        first_received_at: receivedAt,
        last_received_at: receivedAt,
        span_count: 1,
        error: span.error ? 1 : 0,
        status: "pending",
        lease_until: 0,
        root_service: null,
        analysis: null,
      });
    }
    // Sorted, so two replicas upserting the same traces lock them in the same order (no deadlock).
    const traceRows = [...traces.values()].sort((a, b) => a.trace_id.localeCompare(b.trace_id));
    for (let start = 0; start < traceRows.length; start += CHUNK) {
      queries.push(
        this.db
          .insertInto("traces")
          .values(traceRows.slice(start, start + CHUNK))
          .onConflict((conflict) =>
            conflict.column("trace_id").doUpdateSet({
              last_received_at: sql`excluded.last_received_at`,
              span_count: sql`traces.span_count + excluded.span_count`,
              error: sql`CASE WHEN excluded.error = 1 THEN 1 ELSE traces.error END`,
              status: "pending",
            }),
          )
          .compile(),
      );
    }
    await this.options.atomically(queries);
  }

  async claimQuiet(now: number, quietBefore: number, limit: number, leaseMs: number): Promise<TraceClaim[]> {
    if (limit <= 0) return [];
    let due = this.db
      .selectFrom("traces")
      .select("trace_id")
      .where("status", "in", CLAIMABLE)
      .where("last_received_at", "<=", quietBefore)
      .where("lease_until", "<=", now)
      .orderBy("last_received_at")
      .limit(limit);
    // SKIP LOCKED: a trace another replica is claiming right now is passed over; once it commits, its
    // lease keeps the trace out. SQLite has one writer, so the statement alone is the claim.
    if (this.options.lockClaimedRows) due = due.forUpdate().skipLocked();
    const rows = await this.db
      .updateTable("traces")
      .set({ lease_until: now + leaseMs })
      .where("trace_id", "in", due)
      .where("lease_until", "<=", now)
      .where("status", "in", CLAIMABLE)
      .returning(["trace_id", "tenant", "environment", "first_received_at", "last_received_at", "status", "analysis"])
      .execute();
    return rows
      .map((row) => ({
        traceId: row.trace_id,
        tenant: row.tenant,
        environment: row.environment,
        firstReceivedAt: Number(row.first_received_at),
        lastReceivedAt: Number(row.last_received_at),
        status: row.status === "signal" ? ("signal" as const) : ("pending" as const),
        previous: row.analysis ? (JSON.parse(row.analysis) as StoredTrace) : null,
      }))
      .sort((a, b) => a.lastReceivedAt - b.lastReceivedAt);
  }

  async spans(traceId: string, limit: number): Promise<SpanRecord[]> {
    const rows = await this.db
      .selectFrom("spans")
      .innerJoin("traces", "traces.trace_id", "spans.trace_id")
      .selectAll("spans")
      .select(["traces.tenant", "traces.environment"])
      .where("spans.trace_id", "=", traceId)
      .orderBy("spans.start_us")
      .orderBy("spans.span_id")
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      traceId: row.trace_id,
      spanId: row.span_id,
      parentId: row.parent_id,
      tenant: row.tenant,
      environment: row.environment,
      service: row.service,
      name: row.name,
      kind: row.kind as SpanKind,
      startUs: Number(row.start_us),
      endUs: Number(row.end_us),
      error: Number(row.error) === 1,
      errorMessage: row.error_message,
      peer: row.peer,
      userId: row.user_id,
    }));
  }

  async record(records: readonly TraceRecord[]): Promise<void> {
    if (records.length === 0) return;
    const edges = new Map<string, ServiceEdgeRow>();
    const reach = new Map<string, ServiceReachRow>();
    for (const { claim, stored, edgeDeltas, reachDeltas } of records) {
      const { bucket } = stored.contribution;
      for (const edge of edgeDeltas) {
        const key = [claim.tenant, claim.environment, bucket, edge.caller, edge.callee].join("\u0000");
        const row = edges.get(key) ?? {
          tenant: claim.tenant,
          environment: claim.environment,
          bucket,
          caller: edge.caller,
          callee: edge.callee,
          requests: 0,
          errors: 0,
        };
        row.requests += edge.requests;
        row.errors += edge.errors;
        edges.set(key, row);
      }
      for (const delta of reachDeltas) {
        const key = [claim.tenant, claim.environment, bucket, delta.service, delta.reached].join("\u0000");
        const row = reach.get(key) ?? {
          tenant: claim.tenant,
          environment: claim.environment,
          bucket,
          service: delta.service,
          reached: delta.reached,
          traces: 0,
        };
        row.traces += delta.traces;
        reach.set(key, row);
      }
    }
    const queries: CompiledQuery[] = [];
    // Sorted keys: replicas adding to the same counters lock them in one order, so they never deadlock.
    const edgeRows = [...edges.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, row]) => row);
    const reachRows = [...reach.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, row]) => row);
    for (let start = 0; start < edgeRows.length; start += CHUNK) {
      queries.push(
        this.db
          .insertInto("service_edges")
          .values(edgeRows.slice(start, start + CHUNK))
          .onConflict((conflict) =>
            conflict.columns(["tenant", "environment", "bucket", "caller", "callee"]).doUpdateSet({
              requests: sql`service_edges.requests + excluded.requests`,
              errors: sql`service_edges.errors + excluded.errors`,
            }),
          )
          .compile(),
      );
    }
    for (let start = 0; start < reachRows.length; start += CHUNK) {
      queries.push(
        this.db
          .insertInto("service_reach")
          .values(reachRows.slice(start, start + CHUNK))
          .onConflict((conflict) =>
            conflict.columns(["tenant", "environment", "bucket", "service", "reached"]).doUpdateSet({
              traces: sql`service_reach.traces + excluded.traces`,
            }),
          )
          .compile(),
      );
    }
    for (const { claim, stored, status } of records) {
      queries.push(
        this.db
          .updateTable("traces")
          .set({
            analysis: JSON.stringify(stored),
            root_service: stored.analysis.rootCause?.service ?? null,
            lease_until: 0,
            // Spans that arrived while this analysis ran are not in it: the trace goes round again.
            status: sql`CASE WHEN last_received_at = ${claim.lastReceivedAt} THEN ${status} ELSE 'pending' END`,
          })
          .where("trace_id", "=", claim.traceId)
          .compile(),
      );
    }
    await this.options.atomically(queries);
  }

  async signalled(traceIds: readonly string[]): Promise<void> {
    if (traceIds.length === 0) return;
    await this.db
      .updateTable("traces")
      .set({ status: "done", lease_until: 0 })
      .where("trace_id", "in", [...traceIds])
      .where("status", "=", "signal")
      .execute();
  }

  async analyses(traceIds: readonly string[]): Promise<Map<string, StoredTrace | null>> {
    const found = new Map<string, StoredTrace | null>();
    if (traceIds.length === 0) return found;
    const rows = await this.db
      .selectFrom("traces")
      .select(["trace_id", "analysis"])
      .where("trace_id", "in", [...new Set(traceIds)])
      .execute();
    for (const row of rows) found.set(row.trace_id, row.analysis ? (JSON.parse(row.analysis) as StoredTrace) : null);
    return found;
  }

  async graph(tenant: string, environment: string, since: number): Promise<ServiceGraph> {
    // Read for every investigation (and, cached, by correlation): each query compiled once.
    const edgeRows = await this.shapes.rows(this.db, "graph-edges", [tenant, environment, since], () =>
      this.db
        .selectFrom("service_edges")
        .select((eb) => [
          "caller",
          "callee",
          eb.fn.sum<number>("requests").as("requests"),
          eb.fn.sum<number>("errors").as("errors"),
        ])
        .where("tenant", "=", tenant)
        .where("environment", "=", environment)
        .where("bucket", ">=", since)
        .groupBy(["caller", "callee"])
        .orderBy("caller")
        .orderBy("callee"),
    );
    const reachRows = await this.shapes.rows(this.db, "graph-reach", [tenant, environment, since], () =>
      this.db
        .selectFrom("service_reach")
        .select((eb) => ["service", "reached", eb.fn.sum<number>("traces").as("traces")])
        .where("tenant", "=", tenant)
        .where("environment", "=", environment)
        .where("bucket", ">=", since)
        .groupBy(["service", "reached"]),
    );
    const graph: ServiceGraph = {
      edges: edgeRows
        .map((row) => ({ caller: row.caller, callee: row.callee, requests: Number(row.requests), errors: Number(row.errors) }))
        .filter((edge) => edge.requests > 0),
      traces: {},
      reached: {},
    };
    for (const row of reachRows) {
      const count = Number(row.traces);
      if (count <= 0) continue;
      // Service names are the senders' own ("__proto__" too): written as data, never into a prototype.
      if (row.reached === "") setOwn(graph.traces, row.service, count);
      else {
        let reached = ownValue(graph.reached, row.service);
        if (!reached) {
          reached = {};
          setOwn(graph.reached, row.service, reached);
        }
        setOwn(reached, row.reached, count);
      }
    }
    return graph;
  }

  async openIncidentsByService(tenant: string, environment: string, services: readonly string[]): Promise<OpenServiceIncident[]> {
    if (services.length === 0) return [];
    const rows = await this.db
      .selectFrom("incidents")
      .select(["id", "service", "fingerprint", "first_seen_at"])
      .where("service", "in", [...new Set(services)])
      .where("state", "<>", "resolved")
      .where("tenant", "=", tenant)
      .where("environment", "=", environment)
      .orderBy("first_seen_at")
      .execute();
    return rows.map((row) => ({
      id: row.id,
      service: row.service,
      fingerprint: row.fingerprint,
      firstSeenAt: Number(row.first_seen_at),
    }));
  }

  async openIncidentsOfSignals(source: string, sourceIds: readonly string[]): Promise<Map<string, OpenServiceIncident>> {
    const found = new Map<string, OpenServiceIncident>();
    if (sourceIds.length === 0) return found;
    const rows = await this.db
      .selectFrom("signals")
      .innerJoin("incidents", "incidents.id", "signals.incident_id")
      .select(["signals.source_id", "incidents.id", "incidents.service", "incidents.fingerprint", "incidents.first_seen_at"])
      .where("signals.source", "=", source)
      .where("signals.source_id", "in", [...new Set(sourceIds)])
      .where("incidents.state", "<>", "resolved")
      .execute();
    for (const row of rows) {
      found.set(row.source_id, {
        id: row.id,
        service: row.service,
        fingerprint: row.fingerprint,
        firstSeenAt: Number(row.first_seen_at),
      });
    }
    return found;
  }

  async recentTraceIds(incidentId: string, limit: number): Promise<string[]> {
    // Read for every investigation: compiled once.
    const rows = await this.shapes.rows(this.db, "recent-trace-ids", [incidentId, limit], () =>
      this.db
        .selectFrom("signals")
        .select("trace_id")
        .where("incident_id", "=", incidentId)
        .orderBy("occurred_at", "desc")
        .limit(limit),
    );
    return [...new Set(rows.flatMap((row) => (row.trace_id ? [row.trace_id.toLowerCase()] : [])))];
  }

  async cleanup(tracesBefore: number, graphBefore: number): Promise<{ spans: number; traces: number }> {
    const spans = await this.db.deleteFrom("spans").where("received_at", "<", tracesBefore).executeTakeFirst();
    // A trace still leased is being analysed right now; the next cleanup takes it.
    const traces = await this.db
      .deleteFrom("traces")
      .where("last_received_at", "<", tracesBefore)
      .where("lease_until", "<", tracesBefore)
      .executeTakeFirst();
    await this.db.deleteFrom("service_edges").where("bucket", "<", graphBefore).execute();
    await this.db.deleteFrom("service_reach").where("bucket", "<", graphBefore).execute();
    return { spans: Number(spans.numDeletedRows), traces: Number(traces.numDeletedRows) };
  }
}

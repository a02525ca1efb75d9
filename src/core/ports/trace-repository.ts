import type { ServiceGraph, SpanRecord, TraceAnalysis, TraceEdge } from "../trace.ts";

/** What one analysis added to the graph counters: kept with the trace, so a re-analysis adds only the difference. */
export interface GraphContribution {
  /** Minute bucket (epoch ms) the trace is counted in. */
  bucket: number;
  edges: TraceEdge[];
  /** [service, reached] pairs; reached '' counts the trace as going through the service. */
  reach: [string, string][];
}

/** A trace as stored once analysed. */
export interface StoredTrace {
  analysis: TraceAnalysis;
  contribution: GraphContribution;
}

/** A quiet trace leased to one process for analysis. */
export interface TraceClaim {
  traceId: string;
  tenant: string;
  environment: string;
  firstReceivedAt: number;
  /** The last arrival the analysis covers: spans arriving after it send the trace back to pending. */
  lastReceivedAt: number;
  /** pending: needs analysis; signal: analysed and counted, its signal not yet confirmed submitted. */
  status: "pending" | "signal";
  previous: StoredTrace | null;
}

/** The result of analysing one claimed trace, with the graph counters to add. */
export interface TraceRecord {
  claim: TraceClaim;
  stored: StoredTrace;
  edgeDeltas: TraceEdge[];
  reachDeltas: { service: string; reached: string; traces: number }[];
  /** signal: a failing trace whose signal is still to be submitted; done: nothing left to do. */
  status: "signal" | "done";
}

/** An unresolved incident, by service: what joining upstream symptoms looks for. */
export interface OpenServiceIncident {
  id: string;
  service: string;
  fingerprint: string;
  firstSeenAt: number;
}

/** Spans, trace assembly and the service dependency graph (src/traces). */
export interface TraceRepository {
  /** Stores spans (a span already stored is ignored) and marks their traces pending, in one transaction. */
  addSpans(spans: readonly SpanRecord[], receivedAt: number): Promise<void>;
  /** Leases traces with no new span since `quietBefore`, oldest first; each is leased to one caller at a time. */
  claimQuiet(now: number, quietBefore: number, limit: number, leaseMs: number): Promise<TraceClaim[]>;
  /** Spans of one trace, by start. */
  spans(traceId: string, limit: number): Promise<SpanRecord[]>;
  /** Adds the graph counters and stores the analyses, in one transaction; a trace that got new spans meanwhile stays pending. */
  record(records: readonly TraceRecord[]): Promise<void>;
  /** Marks traces whose signal is submitted as done. */
  signalled(traceIds: readonly string[]): Promise<void>;
  /** Stored traces by id: their analysis, or null while not analysed yet; unknown ids are absent. */
  analyses(traceIds: readonly string[]): Promise<Map<string, StoredTrace | null>>;
  /** The graph of one tenant and environment summed over buckets from `since` (epoch ms). */
  graph(tenant: string, environment: string, since: number): Promise<ServiceGraph>;
  /** Unresolved incidents of these services in one tenant and environment, oldest first. */
  openIncidentsByService(tenant: string, environment: string, services: readonly string[]): Promise<OpenServiceIncident[]>;
  /**
   * The unresolved incidents stored signals of one source (by upstream id) belong to, e.g. the ones
   * failing traces opened; ids whose signal is unknown or whose incident is resolved are absent.
   */
  openIncidentsOfSignals(source: string, sourceIds: readonly string[]): Promise<Map<string, OpenServiceIncident>>;
  /** Trace ids named by an incident's latest signals (at most `limit` signals read, newest first). */
  recentTraceIds(incidentId: string, limit: number): Promise<string[]>;
  /** Deletes spans and traces received before `tracesBefore` and graph buckets before `graphBefore`. */
  cleanup(tracesBefore: number, graphBefore: number): Promise<{ spans: number; traces: number }>;
}

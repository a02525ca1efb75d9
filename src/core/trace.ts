import type { TraceStep } from "./enrichment.ts";

/** How a span relates to its peers (OTLP SpanKind, by name). */
export const SPAN_KINDS = ["unspecified", "internal", "server", "client", "producer", "consumer"] as const;
export type SpanKind = (typeof SPAN_KINDS)[number];

/** The part of an OTLP span Sluice keeps: enough for the dependency graph, the root cause and the timeline. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  /** Null for a trace's root span. */
  parentId: string | null;
  tenant: string;
  environment: string;
  /** `service.name` of the resource that sent the span. */
  service: string;
  /** The span's name: its operation. */
  name: string;
  kind: SpanKind;
  /** Microseconds since the epoch: milliseconds would round in-process spans down to nothing. */
  startUs: number;
  endUs: number;
  /** Status code ERROR. */
  error: boolean;
  /** Status message, else the first exception event's message. */
  errorMessage: string | null;
  /** For client and producer spans: who they call, named from peer.service, db.*, messaging.* or server.address. */
  peer: string | null;
  /** `enduser.id` or `user.id`. */
  userId: string | null;
}

/** Whether a span calls out of its service (its callee may be uninstrumented). */
export function callsOut(kind: SpanKind): boolean {
  return kind === "client" || kind === "producer";
}

/** One caller → callee hop of one trace, with how many requests and how many of them failed. */
export interface TraceEdge {
  caller: string;
  callee: string;
  requests: number;
  errors: number;
}

/**
 * Where a failing trace starts to fail: the deepest failing span and the service it blames, or, when that
 * span is a call that timed out, the service or peer that kept it waiting.
 */
export interface RootCause {
  service: string;
  operation: string;
  errorMessage: string | null;
  spanId: string;
  /**
   * For an uninstrumented peer (a database, a broker), the service whose call to it failed: it owns the peer
   * in practice. For a service blamed for a timeout, the service that gave up waiting on it.
   */
  caller: string | null;
}

/** Everything Sluice learns from one assembled trace. */
export interface TraceAnalysis {
  traceId: string;
  tenant: string;
  environment: string;
  /** Earliest span start, epoch microseconds. */
  startUs: number;
  spanCount: number;
  edges: TraceEdge[];
  /** For each service (and uninstrumented peer) in the trace, the services its spans reached downstream. */
  reach: Record<string, string[]>;
  rootCause: RootCause | null;
  /** Services other than the root cause with failing spans, outermost first. */
  failingServices: string[];
  /** Ids of the failing spans, the root cause's first. */
  failingSpanIds: string[];
  users: string[];
  timeline: TraceStep[];
  /** Whether the timeline left spans out (see timelineLimit). */
  timelineCapped: boolean;
}

/** Requests and errors on one caller → callee edge, summed over the graph window. */
export interface GraphEdge {
  caller: string;
  callee: string;
  requests: number;
  errors: number;
}

/** The service dependency graph of one tenant and environment over the window, as the store counted it. */
export interface ServiceGraph {
  edges: GraphEdge[];
  /** Traces that went through each service (or peer). */
  traces: Record<string, number>;
  /**
   * reached[a][b]: traces through a that went on to reach b. Both are keyed by the services' own names
   * ("constructor", "__proto__"…): read with ownValue, write with setOwn.
   */
  reached: Record<string, Record<string, number>>;
}

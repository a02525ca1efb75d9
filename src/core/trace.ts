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

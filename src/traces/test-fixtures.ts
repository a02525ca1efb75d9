import type { SpanKind, SpanRecord } from "../core/trace.ts";

// Builders for tests: a trace written as a tree of spans, ids derived from names so tests read well.

let traceSequence = 0;

/** A fresh 32-hex-digit trace id. */
export function newTraceId(): string {
  traceSequence++;
  return (traceSequence.toString(16).padStart(8, "0") + "ab".repeat(12)).slice(0, 32);
}

/** A 16-hex-digit span id from a short label (stable per label). */
export function spanIdOf(label: string): string {
  let hash = 0x811c9dc5;
  for (const char of label) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return `${hash.toString(16).padStart(8, "0")}${(label.length * 2654435761).toString(16).padStart(8, "0")}`.slice(0, 16);
}

/** One span of a test trace. */
export interface TestSpan {
  id: string;
  parent?: string;
  service: string;
  name?: string;
  kind?: SpanKind;
  start: number;
  end: number;
  error?: boolean;
  message?: string;
  peer?: string;
  user?: string;
}

/** Span records for one trace; times are milliseconds after `t0` (epoch ms). */
export function traceOf(
  spans: readonly TestSpan[],
  options: { traceId?: string; t0?: number; tenant?: string; environment?: string } = {},
): SpanRecord[] {
  const traceId = options.traceId ?? newTraceId();
  const t0 = options.t0 ?? Date.parse("2026-11-02T10:00:00Z");
  return spans.map((span) => ({
    traceId,
    spanId: spanIdOf(`${traceId}/${span.id}`),
    parentId: span.parent ? spanIdOf(`${traceId}/${span.parent}`) : null,
    tenant: options.tenant ?? "default",
    environment: options.environment ?? "production",
    service: span.service,
    name: span.name ?? span.id,
    kind: span.kind ?? "internal",
    startUs: (t0 + span.start) * 1000,
    endUs: (t0 + span.end) * 1000,
    error: span.error ?? false,
    errorMessage: span.message ?? null,
    peer: span.peer ?? null,
    userId: span.user ?? null,
  }));
}

/**
 * frontend → checkout → payments → database (uninstrumented): the shape of the end-to-end test. `fail`
 * says where it breaks: the database query, payments itself, or nowhere.
 */
export function checkoutTrace(
  fail: "database" | "payments" | "none",
  options: { traceId?: string; t0?: number; user?: string; tenant?: string; environment?: string } = {},
): SpanRecord[] {
  const db = fail === "database";
  const payments = fail !== "none";
  return traceOf(
    [
      { id: "fe", service: "frontend", name: "GET /buy", kind: "server", start: 0, end: 40, error: payments, user: options.user },
      { id: "fe-out", parent: "fe", service: "frontend", name: "POST", kind: "client", start: 2, end: 38, error: payments },
      {
        id: "co",
        parent: "fe-out",
        service: "checkout",
        name: "POST /checkout",
        kind: "server",
        start: 3,
        end: 37,
        error: payments,
      },
      { id: "co-out", parent: "co", service: "checkout", name: "POST", kind: "client", start: 5, end: 35, error: payments },
      {
        id: "pay",
        parent: "co-out",
        service: "payments",
        name: "POST /pay",
        kind: "server",
        start: 6,
        end: 34,
        error: payments,
        message: fail === "payments" ? "card processor rejected request 8812" : undefined,
      },
      {
        id: "db",
        parent: "pay",
        service: "payments",
        name: "SELECT payments",
        kind: "client",
        start: 8,
        end: 30,
        error: db,
        message: db ? "deadlock detected on relation 16384" : undefined,
        peer: "postgresql/payments",
      },
    ],
    options,
  );
}

/** frontend serving a page from its own cache: the healthy path that never reaches checkout. */
export function browseTrace(
  options: { traceId?: string; t0?: number; tenant?: string; environment?: string } = {},
): SpanRecord[] {
  return traceOf([{ id: "fe", service: "frontend", name: "GET /browse", kind: "server", start: 0, end: 5 }], options);
}

const KIND_NUMBER: Record<SpanKind, number> = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };

/** Span records as an OTLP/HTTP JSON export request, one resource per service (what SDKs send). */
export function toOtlpJson(spans: readonly SpanRecord[]): Record<string, unknown> {
  const byService = new Map<string, SpanRecord[]>();
  for (const span of spans) byService.set(span.service, [...(byService.get(span.service) ?? []), span]);
  const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
  return {
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: {
        attributes: [
          str("service.name", service),
          str("tenant.id", list[0]?.tenant ?? "default"),
          str("deployment.environment.name", list[0]?.environment ?? "production"),
        ],
      },
      scopeSpans: [
        {
          scope: { name: "test" },
          spans: list.map((span) => ({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentId ?? "",
            name: span.name,
            kind: KIND_NUMBER[span.kind],
            startTimeUnixNano: `${span.startUs}000`,
            endTimeUnixNano: `${span.endUs}000`,
            attributes: [
              ...(span.peer ? [str("peer.service", span.peer)] : []),
              ...(span.userId ? [str("enduser.id", span.userId)] : []),
            ],
            status: span.error ? { code: 2, ...(span.errorMessage ? { message: span.errorMessage } : {}) } : {},
          })),
        },
      ],
    })),
  };
}

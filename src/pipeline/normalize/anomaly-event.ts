import { z } from "zod";
import type { FieldProblem } from "../../core/errors.ts";
import type { Signal } from "../../core/signal.ts";
import { problemsOf } from "../../core/zod-problems.ts";
import {
  buildSignal,
  type NormalizeContext,
  parseTimestamp,
  SEVERITY_DOC,
  severityFromScore,
  severityFromText,
  TIMESTAMP_NUMBER_DOC,
  TIMESTAMP_TEXT_DOC,
  unmappedFields,
} from "./build-signal.ts";

const text = z.string().max(65_536);

/** The anomaly scorer's event document (Kafka `enriched-logs` / `anomaly-events`, or HTTP). */
export const anomalyEventSchema = z.looseObject({
  event_id: z.string().min(1).max(256),
  "@timestamp": z.union([z.string().meta(TIMESTAMP_TEXT_DOC), z.number().meta(TIMESTAMP_NUMBER_DOC)]).optional(),
  anomaly_type: text.optional(),
  anomaly_score: z.number().min(0).max(1),
  severity: z.string().meta(SEVERITY_DOC).optional(),
  service: z.string().min(1).max(256),
  tenant_id: z.string().min(1).max(256).optional(),
  environment: z.string().min(1).max(256).optional(),
  message: text.optional(),
  description: text.optional(),
  trace_id: z.string().max(128).nullish(),
  span_ids: z.array(z.string().max(128)).max(1000).optional(),
  affected_services: z.array(z.string().max(256)).max(1000).optional(),
  affected_users: z.array(z.string().max(256)).max(10_000).optional(),
  error_message: text.nullish(),
  error_category: z.string().max(256).nullish(),
  status: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

/** True when an item of /api/v1/signals looks like an anomaly event rather than a generic signal. */
export function isAnomalyEvent(item: Record<string, unknown>): boolean {
  return "event_id" in item || "anomaly_score" in item;
}

const MAPPED_FIELDS: ReadonlySet<string> = new Set(Object.keys(anomalyEventSchema.shape));
const RESOLVED_WORDS = new Set(["resolved", "closed", "ok", "recovered"]);
const TITLE_LIMIT = 200;

export function mapAnomalyEvent(
  item: unknown,
  context: NormalizeContext,
  pathPrefix: string,
): { signal: Signal } | { problems: FieldProblem[] } {
  const parsed = anomalyEventSchema.safeParse(item);
  if (!parsed.success) return { problems: problemsOf(parsed.error, pathPrefix) };
  const event = parsed.data;
  const problems: FieldProblem[] = [];
  const occurredAt = parseTimestamp(event["@timestamp"]);
  if (event["@timestamp"] !== undefined && occurredAt === undefined) {
    problems.push({ path: `${pathPrefix}.@timestamp`.replace(/^\./, ""), message: "is not an ISO 8601 timestamp or epoch" });
  }
  const severity = event.severity === undefined ? severityFromScore(event.anomaly_score) : severityFromText(event.severity);
  if (severity === undefined) {
    problems.push({
      path: `${pathPrefix}.severity`.replace(/^\./, ""),
      message: `unknown severity "${event.severity}" (use critical, high, medium, low or info)`,
    });
  }
  if (problems.length > 0 || severity === undefined) return { problems };

  const message = event.error_message ?? event.message ?? event.description ?? "";
  const what = event.anomaly_type ?? "anomaly";
  const labels: Record<string, string> = { ...event.labels };
  if (event.anomaly_type) labels.anomaly_type = event.anomaly_type;
  if (event.error_category) labels.error_category = event.error_category;
  return {
    signal: buildSignal(context, {
      sourceId: event.event_id,
      kind: "anomaly",
      status: event.status && RESOLVED_WORDS.has(event.status.toLowerCase()) ? "resolved" : "firing",
      occurredAt: occurredAt ?? context.receivedAt,
      tenant: event.tenant_id ?? "default",
      service: event.service,
      environment: event.environment ?? "production",
      severity,
      score: event.anomaly_score,
      title: `${what} in ${event.service}: ${message || event.description || "anomalous behaviour"}`.slice(0, TITLE_LIMIT),
      message,
      traceId: event.trace_id ?? null,
      spanIds: event.span_ids ?? [],
      labels,
      annotations: event.description ? { description: event.description } : {},
      affectedServices: event.affected_services ?? [],
      affectedUsers: event.affected_users ?? [],
      raw: unmappedFields(event, MAPPED_FIELDS),
    }),
  };
}

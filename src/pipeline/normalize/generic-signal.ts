import { z } from "zod";
import type { FieldProblem } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { SEVERITIES, SIGNAL_KINDS, type Signal } from "../../core/signal.ts";
import { problemsOf } from "../../core/zod-problems.ts";
import {
  buildSignal,
  type NormalizeContext,
  parseTimestamp,
  SEVERITY_DOC,
  severityFromText,
  TIMESTAMP_NUMBER_DOC,
  TIMESTAMP_TEXT_DOC,
} from "./build-signal.ts";

const text = z.string().max(65_536);

/** Sluice's own signal shape, for senders that are not an anomaly scorer or an alert manager. */
export const genericSignalSchema = z
  .strictObject({
    sourceId: z.string().min(1).max(256).optional().describe("Upstream id; resending the same id is a no-op."),
    source: z.string().min(1).max(128).optional(),
    kind: z.enum(SIGNAL_KINDS).default("alert"),
    status: z.enum(["firing", "resolved"]).default("firing"),
    service: z.string().min(1).max(256),
    title: z.string().min(1).max(1000),
    message: text.optional(),
    severity: z
      .string()
      .meta(SEVERITY_DOC)
      .default("medium")
      .describe(`One of ${SEVERITIES.join(", ")} (or warning, error, fatal).`),
    score: z.number().min(0).max(1).optional(),
    tenant: z.string().min(1).max(256).optional(),
    environment: z.string().min(1).max(256).optional(),
    occurredAt: z.union([z.string().meta(TIMESTAMP_TEXT_DOC), z.number().meta(TIMESTAMP_NUMBER_DOC)]).optional(),
    alertKey: z.string().max(256).optional().describe("Identity shared by an alert's firing and resolved signals."),
    traceId: z.string().max(128).optional(),
    spanIds: z.array(z.string().max(128)).max(1000).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    links: z.array(z.string().max(2048)).max(100).optional(),
    affectedUsers: z.array(z.string().max(256)).max(10_000).optional(),
    affectedServices: z.array(z.string().max(256)).max(1000).optional(),
  })
  .describe("A generic signal.");

export function mapGenericSignal(
  item: unknown,
  context: NormalizeContext,
  pathPrefix: string,
): { signal: Signal } | { problems: FieldProblem[] } {
  const parsed = genericSignalSchema.safeParse(item);
  if (!parsed.success) return { problems: problemsOf(parsed.error, pathPrefix) };
  const body = parsed.data;
  const at = (field: string) => (pathPrefix ? `${pathPrefix}.${field}` : field);
  const severity = severityFromText(body.severity);
  const occurredAt = parseTimestamp(body.occurredAt);
  const problems: FieldProblem[] = [];
  if (!severity) problems.push({ path: at("severity"), message: `unknown severity "${body.severity}"` });
  if (body.occurredAt !== undefined && occurredAt === undefined) {
    problems.push({ path: at("occurredAt"), message: "is not an ISO 8601 timestamp or epoch" });
  }
  if (problems.length > 0 || !severity) return { problems };
  return {
    signal: buildSignal(context, {
      // Without an upstream id there is nothing to deduplicate on; every post is a new signal.
      sourceId: body.sourceId ?? newId(context.receivedAt),
      source: body.source ?? context.source,
      kind: body.kind,
      status: body.status,
      service: body.service,
      title: body.title,
      message: body.message ?? body.title,
      severity,
      score: body.score ?? null,
      tenant: body.tenant ?? "default",
      environment: body.environment ?? "production",
      occurredAt: occurredAt ?? context.receivedAt,
      alertKey: body.alertKey ?? null,
      traceId: body.traceId ?? null,
      spanIds: body.spanIds ?? [],
      labels: body.labels ?? {},
      annotations: body.annotations ?? {},
      links: body.links ?? [],
      affectedUsers: body.affectedUsers ?? [],
      affectedServices: body.affectedServices ?? [],
      // The schema is strict, so every field it accepted is mapped: nothing left to keep as raw.
      raw: null,
    }),
  };
}

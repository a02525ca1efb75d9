import { createHash } from "node:crypto";
import { z } from "zod";
import type { FieldProblem } from "../../core/errors.ts";
import type { Signal } from "../../core/signal.ts";
import { problemsOf } from "../../core/zod-problems.ts";
import {
  buildSignal,
  type NormalizeContext,
  parseTimestamp,
  severityFromText,
  TIMESTAMP_TEXT_DOC,
  unmappedFields,
} from "./build-signal.ts";

const kv = z.record(z.string(), z.string());

const alertSchema = z.looseObject({
  status: z.enum(["firing", "resolved"]),
  labels: kv,
  annotations: kv.default({}),
  startsAt: z.string().meta(TIMESTAMP_TEXT_DOC),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
  // Grafana adds these.
  dashboardURL: z.string().optional(),
  panelURL: z.string().optional(),
  silenceURL: z.string().optional(),
  valueString: z.string().optional(),
});

/** Alertmanager webhook v4; Grafana's alerting webhook is the same document with extra fields. */
export const alertWebhookSchema = z.looseObject({
  version: z.string(),
  groupKey: z.string(),
  status: z.enum(["firing", "resolved"]),
  receiver: z.string(),
  groupLabels: kv.default({}),
  commonLabels: kv.default({}),
  commonAnnotations: kv.default({}),
  externalURL: z.string().default(""),
  alerts: z.array(alertSchema).max(10_000),
});

type AlertPayload = z.infer<typeof alertWebhookSchema>;
type Alert = AlertPayload["alerts"][number];

// Alert fields that become Signal fields (links, alertKey, labels…); the rest is kept as raw.
const MAPPED_ALERT_FIELDS: ReadonlySet<string> = new Set([
  "status",
  "labels",
  "annotations",
  "startsAt",
  "generatorURL",
  "fingerprint",
  "dashboardURL",
  "panelURL",
]);

/** Label names that carry the service an alert is about, in order of preference. */
const SERVICE_LABELS = ["service", "service_name", "app", "application", "job", "container", "namespace"];
const ENVIRONMENT_LABELS = ["environment", "env", "stage", "cluster"];

export function mapAlertWebhook(
  body: unknown,
  context: NormalizeContext,
  expectedVersion: string | null,
): { signals: Signal[] } | { problems: FieldProblem[] } {
  const parsed = alertWebhookSchema.safeParse(body);
  if (!parsed.success) return { problems: problemsOf(parsed.error) };
  const payload = parsed.data;
  if (expectedVersion !== null && payload.version !== expectedVersion) {
    return { problems: [{ path: "version", message: `expected "${expectedVersion}", got "${payload.version}"` }] };
  }
  const problems: FieldProblem[] = [];
  const signals: Signal[] = [];
  payload.alerts.forEach((alert, index) => {
    const result = mapAlert(alert, payload, context, `alerts[${index}]`);
    if ("problems" in result) problems.push(...result.problems);
    else signals.push(result.signal);
  });
  return problems.length > 0 ? { problems } : { signals };
}

function mapAlert(
  alert: Alert,
  payload: AlertPayload,
  context: NormalizeContext,
  path: string,
): { signal: Signal } | { problems: FieldProblem[] } {
  const labels = { ...payload.commonLabels, ...alert.labels };
  const annotations = { ...payload.commonAnnotations, ...alert.annotations };
  const startsAt = parseTimestamp(alert.startsAt);
  if (startsAt === undefined) return { problems: [{ path: `${path}.startsAt`, message: "is not an RFC 3339 timestamp" }] };
  const endsAt = parseTimestamp(alert.endsAt);
  const rawSeverity = labels.severity ?? labels.priority;
  const severity = severityFromText(rawSeverity) ?? "medium";
  const alertname = labels.alertname ?? "alert";
  const alertKey = alert.fingerprint ?? hashLabels(labels);
  const service = firstLabel(labels, SERVICE_LABELS) ?? "unknown";
  const summary = annotations.summary ?? annotations.title ?? alertname;
  const links = [alert.generatorURL, alert.dashboardURL, alert.panelURL, annotations.runbook_url].filter(
    (link): link is string => typeof link === "string" && link.length > 0,
  );
  // Alertmanager resends a firing alert every repeat_interval with the same fingerprint and
  // startsAt: that is one upstream event, so those make the idempotency key.
  const occurredAt = alert.status === "resolved" && endsAt !== undefined && endsAt > startsAt ? endsAt : startsAt;
  return {
    signal: buildSignal(context, {
      sourceId: `${alertKey}:${alert.startsAt}:${alert.status}`,
      ...(alert.status === "firing" ? { resolveSourceId: `${alertKey}:${alert.startsAt}:resolved` } : {}),
      kind: "alert",
      status: alert.status,
      occurredAt,
      alertKey,
      tenant: labels.tenant ?? labels.tenant_id ?? "default",
      service,
      environment: firstLabel(labels, ENVIRONMENT_LABELS) ?? "production",
      severity,
      title: `${alertname}: ${summary}`.slice(0, 200),
      message: annotations.description ?? summary,
      errorPattern: `alert:${alertname}`,
      labels,
      annotations,
      links,
      raw: unmappedFields(alert, MAPPED_ALERT_FIELDS),
    }),
  };
}

function firstLabel(labels: Record<string, string>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = labels[name];
    if (value) return value;
  }
  return undefined;
}

function hashLabels(labels: Record<string, string>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`)
    .join(",");
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

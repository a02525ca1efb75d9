import type { Delivery, DeliveryAction, DeliveryStatus } from "../core/delivery.ts";
import type { IncidentContext } from "../core/enrichment.ts";
import { type Incident, type IncidentState, incidentKey, type Priority } from "../core/incident.ts";
import type { IncidentChange, IncidentHead, OpenIncident } from "../core/ports/store.ts";
import type { Severity, Signal, SignalKind, SignalStatus } from "../core/signal.ts";
import type { Ticket } from "../core/ticket.ts";
import type { TimelineEvent } from "../core/timeline.ts";

// Row shapes as SQLite returns them (snake_case, JSON as text), and their mapping to core types.

export interface IncidentRow {
  id: string;
  number: number;
  fingerprint: string;
  kind: string;
  title: string;
  tenant: string;
  service: string;
  environment: string;
  error_pattern: string;
  pattern_id: string | null;
  severity: string;
  priority: string;
  state: string;
  first_seen_at: number;
  last_seen_at: number;
  signal_count: number;
  escalation_level: number;
  platforms: string;
  matched_rule: string;
  summary: string;
  summary_source: string;
  context: string;
  created_at: number;
  updated_at: number;
  acknowledged_at: number | null;
  resolved_at: number | null;
  version: number;
}

export function incidentFromRow(row: IncidentRow): Incident {
  return {
    id: row.id,
    number: row.number,
    key: incidentKey(row.number),
    fingerprint: row.fingerprint,
    kind: row.kind as SignalKind,
    title: row.title,
    tenant: row.tenant,
    service: row.service,
    environment: row.environment,
    errorPattern: row.error_pattern,
    patternId: row.pattern_id,
    severity: row.severity as Severity,
    priority: row.priority as Priority,
    state: row.state as IncidentState,
    firstSeenAt: Number(row.first_seen_at),
    lastSeenAt: Number(row.last_seen_at),
    signalCount: row.signal_count,
    escalationLevel: row.escalation_level,
    platforms: JSON.parse(row.platforms) as string[],
    matchedRule: row.matched_rule,
    summary: row.summary,
    summarySource: row.summary_source === "llm" ? "llm" : "template",
    context: parseContext(row.context),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    acknowledgedAt: row.acknowledged_at === null ? null : Number(row.acknowledged_at),
    resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
    version: row.version,
  };
}

/** The head of an incident from its row's few columns (IncidentRepository.heads). */
export function headFromRow(
  row: Pick<IncidentRow, "id" | "number" | "tenant" | "service" | "environment" | "state">,
): IncidentHead {
  return {
    id: row.id,
    key: incidentKey(row.number),
    tenant: row.tenant,
    service: row.service,
    environment: row.environment,
    state: row.state as IncidentState,
  };
}

export interface SignalRow {
  id: string;
  source: string;
  source_id: string;
  received_at: number;
  occurred_at: number;
  status: string;
  kind: string;
  tenant: string;
  service: string;
  environment: string;
  severity: string;
  score: number | null;
  title: string;
  message: string;
  error_pattern: string;
  alert_key: string | null;
  trace_id: string | null;
  detail: string;
}

/** The parts of a signal kept as one JSON column. */
export type SignalDetail = Pick<
  Signal,
  "spanIds" | "labels" | "annotations" | "links" | "affectedUsers" | "affectedServices" | "raw"
>;

/**
 * One key per (incident, platform): the platform's own deduplication sees every retry and every later
 * change of the incident as the same ticket.
 */
export function idempotencyKey(delivery: Pick<Delivery, "incidentId" | "platform">): string {
  return `sluice-${delivery.incidentId}-${delivery.platform}`;
}

/** The JSON detail column of a signal: the same in both engines. */
export function signalDetailOf(signal: Signal): string {
  const detail: SignalDetail = {
    spanIds: signal.spanIds,
    labels: signal.labels,
    annotations: signal.annotations,
    links: signal.links,
    affectedUsers: signal.affectedUsers,
    affectedServices: signal.affectedServices,
    raw: signal.raw,
  };
  return JSON.stringify(detail);
}

export function signalFromRow(row: SignalRow): Signal {
  const detail = JSON.parse(row.detail) as SignalDetail;
  return {
    id: row.id,
    source: row.source,
    sourceId: row.source_id,
    receivedAt: Number(row.received_at),
    occurredAt: Number(row.occurred_at),
    status: row.status as SignalStatus,
    kind: row.kind as SignalKind,
    tenant: row.tenant,
    service: row.service,
    environment: row.environment,
    severity: row.severity as Severity,
    score: row.score,
    title: row.title,
    message: row.message,
    errorPattern: row.error_pattern,
    alertKey: row.alert_key,
    traceId: row.trace_id,
    ...detail,
  };
}

export interface DeliveryRow {
  id: string;
  incident_id: string;
  platform: string;
  action: string;
  idempotency_key: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  detail: string;
  caused_at: number;
  created_at: number;
  updated_at: number;
}

export function deliveryFromRow(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    incidentId: row.incident_id,
    platform: row.platform,
    action: row.action as DeliveryAction,
    idempotencyKey: row.idempotency_key,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    nextAttemptAt: Number(row.next_attempt_at),
    lastError: row.last_error,
    detail: row.detail,
    causedAt: Number(row.caused_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export interface TicketRow {
  incident_id: string;
  platform_id?: string | null;
  platform: string;
  external_id: string;
  url: string | null;
  synced_state: string;
  meta: string;
  created_at: number;
  updated_at: number;
}

export function ticketFromRow(row: TicketRow): Ticket {
  return {
    incidentId: row.incident_id,
    platform: row.platform,
    externalId: row.external_id,
    url: row.url,
    syncedState: row.synced_state,
    meta: JSON.parse(row.meta) as Record<string, unknown>,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export interface TimelineRow {
  id: number;
  incident_id: string;
  at: number;
  actor: string;
  action: string;
  detail: string;
  rule: string | null;
}

export function timelineFromRow(row: TimelineRow): TimelineEvent {
  return {
    id: row.id,
    incidentId: row.incident_id,
    at: Number(row.at),
    actor: row.actor,
    action: row.action,
    detail: row.detail,
    rule: row.rule,
  };
}

/** Kysely's view of the tables. */
export interface Tables {
  incidents: IncidentRow;
  signals: SignalRow & { fingerprint: string; outcome: string; outcome_reason: string | null; incident_id: string | null };
  deliveries: DeliveryRow & { lease_until: number; request: string | null; investigation: string | null };
  instance_keys: { name: string; value: string; created_at: number };
  tickets: TicketRow;
  timeline: TimelineRow;
  incident_alerts: { incident_id: string; alert_key: string; status: string; updated_at: number };
  changes: ChangeRow;
  patterns: PatternRow;
  spans: SpanRow;
  traces: TraceRow;
  service_edges: ServiceEdgeRow;
  service_reach: ServiceReachRow;
  detect_leases: { rule: string; owner: string; expires_at: number; evaluated_until: number | null };
  detect_states: { rule: string; series: string; state: string; updated_at: number };
  remediation_runs: {
    id: string;
    incident_id: string;
    playbook: string;
    service: string;
    environment: string;
    target: string;
    attempt: number;
    idempotency_key: string;
    mode: string;
    state: string;
    active_target: string | null;
    created_at: number;
    updated_at: number;
    lease_until: number;
    plan: string;
    subject: string;
    approved_by: string | null;
    executed_at: number | null;
    verify_started_at: number | null;
    holding_since: number | null;
    finished_at: number | null;
    detail: string;
    failure: string | null;
    undo: string | null;
    success: number;
    human_acted: number;
    reopened: number;
  };
  remediation_control: { id: string; paused: number; changed_by: string | null; changed_at: number | null };
  remediation_disabled: {
    playbook: string;
    service: string;
    disabled_at: number | null;
    reason: string;
    enabled_at: number | null;
    enabled_by: string | null;
  };
}

/** The columns correlation reads of an unresolved incident. */
export type OpenIncidentRow = Pick<
  IncidentRow,
  "id" | "number" | "fingerprint" | "kind" | "severity" | "state" | "first_seen_at" | "last_seen_at" | "platforms" | "version"
>;

export function openIncidentFromRow(row: OpenIncidentRow, firingAlerts: Set<string>): OpenIncident {
  return {
    id: row.id,
    number: row.number,
    fingerprint: row.fingerprint,
    kind: row.kind as OpenIncident["kind"],
    severity: row.severity as Severity,
    state: row.state as OpenIncident["state"],
    firstSeenAt: Number(row.first_seen_at),
    lastSeenAt: Number(row.last_seen_at),
    platforms: JSON.parse(row.platforms) as string[],
    version: row.version,
    firingAlerts,
  };
}

/** A stored context; a row written before enrichment existed (or damaged by hand) reads as empty. */
export function parseContext(text: string | null | undefined): IncidentContext {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as IncidentContext) : {};
  } catch {
    return {};
  }
}

/** The incidents column of each field an incident change may set (both engines' writers). */
export const INCIDENT_COLUMN: Record<keyof IncidentChange["set"], string> = {
  lastSeenAt: "last_seen_at",
  severity: "severity",
  priority: "priority",
  state: "state",
  acknowledgedAt: "acknowledged_at",
  resolvedAt: "resolved_at",
  escalationLevel: "escalation_level",
  title: "title",
  summary: "summary",
  summarySource: "summary_source",
  context: "context",
  platforms: "platforms",
};

/** The `spans` table. */
export interface SpanRow {
  trace_id: string;
  span_id: string;
  parent_id: string | null;
  service: string;
  name: string;
  kind: string;
  start_us: number;
  end_us: number;
  error: number;
  error_message: string | null;
  peer: string | null;
  user_id: string | null;
  received_at: number;
}

/** The `traces` table: one row per trace, its assembly state and analysis. */
export interface TraceRow {
  trace_id: string;
  tenant: string;
  environment: string;
  first_received_at: number;
  last_received_at: number;
  span_count: number;
  error: number;
  status: string;
  lease_until: number;
  root_service: string | null;
  analysis: string | null;
}

/** The `service_edges` table: requests and errors per caller → callee per minute. */
export interface ServiceEdgeRow {
  tenant: string;
  environment: string;
  bucket: number;
  caller: string;
  callee: string;
  requests: number;
  errors: number;
}

/** The `service_reach` table: traces per service, and per service and what they reached, per minute. */
export interface ServiceReachRow {
  tenant: string;
  environment: string;
  bucket: number;
  service: string;
  reached: string;
  traces: number;
}

/** The `changes` table as both engines return it. */
export interface ChangeRow {
  id: string;
  source: string;
  source_id: string;
  tenant: string;
  service: string;
  environment: string;
  kind: string;
  summary: string;
  at: number;
  version: string | null;
  author: string | null;
  url: string | null;
  labels: string;
  received_at: number;
}

/** The `patterns` table as both engines return it (template: tokens joined by single spaces; tokens hold no whitespace). */
export interface PatternRow {
  id: string;
  shape: string;
  template: string;
  created_at: number;
  updated_at: number;
}

import type { DeliveryAction } from "../../core/delivery.ts";
import type { Incident } from "../../core/incident.ts";
import type { Severity } from "../../core/signal.ts";
import { isPagerDutyUrl } from "./url-format.ts";

/** The severities the Events API v2 accepts. */
export type PagerDutySeverity = "critical" | "error" | "warning" | "info";

export type PagerDutyEventAction = "trigger" | "acknowledge" | "resolve";

/** The `payload` of a trigger event. */
export interface PagerDutyPayload {
  summary: string;
  severity: PagerDutySeverity;
  source: string;
  timestamp: string;
  component: string;
  group: string;
  class: string;
  custom_details: Record<string, unknown>;
}

/** One Events API v2 event (`POST /v2/enqueue`). */
export interface PagerDutyEvent {
  routing_key: string;
  event_action: PagerDutyEventAction;
  dedup_key?: string;
  payload?: PagerDutyPayload;
  client?: string;
  client_url?: string;
  links?: { href: string; text: string }[];
}

/** What the transform needs besides the incident: rendered text and the keys the connector chose. */
export interface EventInput {
  incident: Incident;
  detail: string;
  incidentUrl: string | null;
  dedupKey: string;
  routingKey: string;
  /** Title and body rendered from the connector's templates. */
  text: { title: string; body: string };
}

const SEVERITY: Record<Severity, PagerDutySeverity> = {
  critical: "critical",
  high: "error",
  medium: "warning",
  low: "info",
  info: "info",
};

const SEVERITY_VALUES = new Set<string>(Object.values(SEVERITY));

// Limits from the Events API v2 reference: longer summaries and keys are refused, not truncated.
const SUMMARY_MAX = 1024;
export const DEDUP_KEY_MAX = 255;
const EVENT_MAX_BYTES = 512 * 1024;
// custom_details shares the 512 KB with everything else; a long body must not push the event over.
const BODY_MAX = 16_000;

/** PagerDuty severity for a Sluice severity. */
export function pagerDutySeverity(severity: Severity): PagerDutySeverity {
  return SEVERITY[severity];
}

/**
 * The event a lifecycle step becomes. PagerDuty only knows trigger, acknowledge and resolve: an update,
 * an escalation or a reopen is a new trigger with the same dedup_key (PagerDuty folds it into the open
 * alert, or opens a new incident when the old one is resolved); a comment is a REST note, not an event.
 */
export function eventActionFor(action: DeliveryAction): PagerDutyEventAction | null {
  switch (action) {
    case "acknowledge":
      return "acknowledge";
    case "resolve":
      return "resolve";
    case "comment":
      return null;
    default:
      return "trigger";
  }
}

/** Builds the event for one delivery; comments have no event (null). */
export function pagerDutyEvent(action: DeliveryAction, input: EventInput): PagerDutyEvent | null {
  const eventAction = eventActionFor(action);
  if (eventAction === null) return null;
  if (eventAction !== "trigger") {
    return { routing_key: input.routingKey, event_action: eventAction, dedup_key: input.dedupKey };
  }
  const { incident } = input;
  const event: PagerDutyEvent = {
    routing_key: input.routingKey,
    event_action: "trigger",
    dedup_key: input.dedupKey,
    payload: {
      summary: truncate(input.text.title || `${incident.key}: ${incident.title}`, SUMMARY_MAX),
      severity: pagerDutySeverity(incident.severity),
      source: incident.service,
      timestamp: new Date(incident.lastSeenAt).toISOString(),
      component: incident.service,
      group: incident.environment,
      class: incident.kind,
      custom_details: customDetails(action, input),
    },
    client: "Sluice",
  };
  // A link PagerDuty's url format refuses (a private or single-label server.publicUrl) would make it
  // refuse the whole event, and page nobody: the page goes out without it (check-config warns).
  if (input.incidentUrl && isPagerDutyUrl(input.incidentUrl)) {
    event.client_url = input.incidentUrl;
    event.links = [{ href: input.incidentUrl, text: `${incident.key} in Sluice` }];
  }
  return event;
}

function customDetails(action: DeliveryAction, input: EventInput): Record<string, unknown> {
  const { incident } = input;
  const details: Record<string, unknown> = {
    incident_key: incident.key,
    incident_id: incident.id,
    sluice_action: action,
    state: incident.state,
    severity: incident.severity,
    priority: incident.priority,
    tenant: incident.tenant,
    service: incident.service,
    environment: incident.environment,
    error_pattern: incident.errorPattern,
    signal_count: incident.signalCount,
    first_seen: new Date(incident.firstSeenAt).toISOString(),
    last_seen: new Date(incident.lastSeenAt).toISOString(),
    matched_rule: incident.matchedRule,
    summary: truncate(input.text.body, BODY_MAX),
  };
  if (incident.escalationLevel > 0) details.escalation_level = incident.escalationLevel;
  if (input.detail.trim()) details.note = truncate(input.detail.trim(), BODY_MAX);
  return details;
}

/**
 * What PagerDuty would refuse, or silently mis-handle, that its API description cannot express:
 * a trigger needs a payload with summary, severity and source; acknowledge and resolve need the
 * dedup_key of the alert they act on. Undefined when the event is sendable.
 */
export function eventProblem(event: PagerDutyEvent): string | undefined {
  if (!event.routing_key) return "routing_key is empty";
  if (event.dedup_key !== undefined && event.dedup_key.length > DEDUP_KEY_MAX) {
    return `dedup_key is longer than ${DEDUP_KEY_MAX} characters`;
  }
  if (event.event_action === "trigger") {
    const payload = event.payload;
    if (!payload) return "a trigger event needs a payload";
    if (!payload.summary.trim()) return "a trigger event needs payload.summary";
    if (!payload.source.trim()) return "a trigger event needs payload.source";
    if (!SEVERITY_VALUES.has(payload.severity)) return `payload.severity "${payload.severity}" is not one PagerDuty accepts`;
  } else if (!event.dedup_key) {
    return `an ${event.event_action} event needs the dedup_key of the alert it acts on`;
  }
  if (Buffer.byteLength(JSON.stringify(event)) > EVENT_MAX_BYTES) return "the event is larger than 512 KB";
  return undefined;
}

const NOTE_HEADLINE: Record<DeliveryAction, string> = {
  create: "Opened",
  update: "Updated",
  acknowledge: "Acknowledged",
  resolve: "Resolved",
  escalate: "Escalated",
  reopen: "Reopened",
  comment: "Note",
};

// Notes are limited to 25,000 characters by the REST API.
const NOTE_MAX = 25_000;

/** The content of a REST API incident note for a change. */
export function noteContent(action: DeliveryAction, incident: Incident, detail: string): string {
  const text = detail.trim();
  const headline = `${NOTE_HEADLINE[action]} in Sluice (${incident.key})`;
  return truncate(text ? `${headline}: ${text}` : headline, NOTE_MAX);
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}…`;
}
